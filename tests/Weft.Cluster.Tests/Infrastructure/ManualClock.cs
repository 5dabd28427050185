namespace Weft.Cluster.Tests.Infrastructure;

/// <summary>A clock the test moves by hand: grace periods are checked without waiting for them.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
