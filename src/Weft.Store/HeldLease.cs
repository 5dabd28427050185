namespace Weft.Store;

/// <summary>
/// A lease kept alive in the background. <see cref="Lost"/> fires when the lease ended anyway (the store expired it,
/// or no keep-alive got through for a whole TTL), which tells the owner its keys are gone and must be re-created on a
/// new lease. <see cref="StopAsync"/> either revokes it (its keys go at once) or lets it run out (they go after the
/// TTL, exactly as if this process had died).
/// </summary>
public sealed class HeldLease : IAsyncDisposable
{
    private readonly IClusterStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;
    private int _stopped;

    private HeldLease(IClusterStore store, LeaseGrant grant)
    {
        _store = store;
        Id = grant.Id;
        Ttl = grant.Ttl;
        _loop = Task.Run(KeepAliveLoopAsync);
    }

    public long Id { get; }

    public TimeSpan Ttl { get; }

    /// <summary>Cancelled when the lease is known or presumed gone. Valid until <see cref="StopAsync"/>.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Safe to read at any time, also after <see cref="StopAsync"/>.</summary>
    public bool IsLost => _lost.IsCancellationRequested;

    public static async Task<HeldLease> GrantAsync(IClusterStore store, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var grant = await store.GrantLeaseAsync(ttl, cancellationToken);
        return new HeldLease(store, grant);
    }

    private async Task KeepAliveLoopAsync()
    {
        // A third of the TTL leaves two more tries before expiry if one keep-alive is lost.
        var period = Ttl / 3;
        var lastSuccess = TimeProvider.System.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            var wait = period;
            try
            {
                await _store.KeepAliveAsync(Id, _stop.Token);
                lastSuccess = TimeProvider.System.GetTimestamp();
            }
            catch (LeaseNotFoundException)
            {
                await _lost.CancelAsync();
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (StoreException)
            {
                if (TimeProvider.System.GetElapsedTime(lastSuccess) >= Ttl)
                {
                    await _lost.CancelAsync();
                    return;
                }
                wait = TimeSpan.FromMilliseconds(Math.Min(500, period.TotalMilliseconds));
            }
            try
            {
                await Task.Delay(wait, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Stops the keep-alives. With <paramref name="revoke"/> the lease ends now and its keys go at once; without, they
    /// go when the TTL runs out. Idempotent.
    /// </summary>
    public async ValueTask StopAsync(bool revoke)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync();
        await _loop;
        if (revoke && !_lost.IsCancellationRequested)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _store.RevokeLeaseAsync(Id, timeout.Token);
            }
            catch (Exception e) when (e is StoreException or OperationCanceledException)
            {
                // Best effort: if the store is unreachable the lease simply expires after its TTL.
            }
        }
        _stop.Dispose();
        _lost.Dispose();
    }

    /// <summary>Revokes the lease: its keys go at once instead of after the TTL.</summary>
    public ValueTask DisposeAsync() => StopAsync(revoke: true);
}

public static class ClusterStoreExtensions
{
    /// <summary>Grants a lease and keeps it alive until the returned object is stopped or disposed.</summary>
    public static Task<HeldLease> GrantHeldLeaseAsync(this IClusterStore store, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        HeldLease.GrantAsync(store, ttl, cancellationToken);
}
