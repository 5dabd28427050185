using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// A lease kept alive in the background, like <see cref="HeldLease"/>, that can also be let go without revoking it:
/// the keep-alives stop and the store ends the lease after its TTL, exactly as if this process had died.
/// HeldLease only stops by revoking, which would make <see cref="HostRegistration.StopAsync"/> with
/// <c>withdraw: false</c> keep the host alive for ever instead of letting it expire.
/// </summary>
internal sealed class KeptLease : IAsyncDisposable
{
    private readonly IClusterStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;
    private int _stopped;

    private KeptLease(IClusterStore store, LeaseGrant grant)
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

    public static async Task<KeptLease> GrantAsync(IClusterStore store, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var grant = await store.GrantLeaseAsync(ttl, cancellationToken);
        return new KeptLease(store, grant);
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

    public ValueTask DisposeAsync() => StopAsync(revoke: true);
}
