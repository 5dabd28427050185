namespace Weft.Store.Tests;

/// <summary>Clock skew from a whole-second Date header: only what the reading can prove counts as skew.</summary>
public sealed class StoreClockTests
{
    private static readonly DateTimeOffset Server = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);

    private static StoreClockSample Sample(double sentOffsetMs, double rttMs) =>
        new(Server, TimeSpan.FromSeconds(1), Server.AddMilliseconds(sentOffsetMs), Server.AddMilliseconds(sentOffsetMs + rttMs));

    [Theory]
    [InlineData(0, 5, 0)]        // inside the Date's second
    [InlineData(900, 50, 0)]     // straddles the second's end
    [InlineData(-30, 20, -10)]   // answered 10 ms before the server's second began: behind by at least 10 ms
    [InlineData(4000, 10, 3000)] // sent 3 s after the second ended: ahead by at least 3 s
    [InlineData(-5000, 10, -4990)]
    public void Skew_is_the_distance_from_the_window_the_servers_time_must_lie_in(double sentOffsetMs, double rttMs, double expectedMs) =>
        Assert.Equal(expectedMs, Sample(sentOffsetMs, rttMs).SkewAtLeast.TotalMilliseconds, 3);

    [Fact]
    public void The_uncertainty_is_the_round_trip_plus_the_headers_resolution() =>
        Assert.Equal(1025, Sample(0, 25).Uncertainty.TotalMilliseconds, 3);
}
