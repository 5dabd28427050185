namespace Weft.Store;

/// <summary>
/// A lease kept alive in the background until disposed; disposing revokes it so its keys go away at once instead of
/// after the TTL. <see cref="Lost"/> fires when the lease ended anyway (the store expired it, or no keep-alive got
/// through for a whole TTL), which tells the owner its keys are gone and must be re-created on a new lease.
/// </summary>
public sealed class HeldLease : IAsyncDisposable
{
    private readonly IClusterStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;

    private HeldLease(IClusterStore store, LeaseGrant grant)
    {
        _store = store;
        Id = grant.Id;
        Ttl = grant.Ttl;
        _loop = Task.Run(KeepAliveLoopAsync);
    }

    public long Id { get; }

    public TimeSpan Ttl { get; }

    /// <summary>Cancelled when the lease is known or presumed gone.</summary>
    public CancellationToken Lost => _lost.Token;

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
                _lost.Cancel();
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
                    _lost.Cancel();
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        if (!_lost.IsCancellationRequested)
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
}

public static class ClusterStoreExtensions
{
    /// <summary>Grants a lease and keeps it alive until the returned object is disposed.</summary>
    public static Task<HeldLease> GrantHeldLeaseAsync(this IClusterStore store, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        HeldLease.GrantAsync(store, ttl, cancellationToken);
}
