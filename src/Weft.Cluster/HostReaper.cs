using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// Frees what dead hosts held. A host whose lease expired is first marked down; only after the grace
/// period (default 24 h) are its endpoints, addresses and sandboxes removed. A host that was merely cut off
/// by a partition comes back within the grace period and finds its addresses still its own.
/// Every agent runs the sweep; transactions make concurrent sweeps harmless.
/// </summary>
public sealed class HostReaper(IClusterStore store, TimeSpan gracePeriod, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly EndpointCatalog _endpoints = new(store, clock);
    private readonly SandboxCatalog _sandboxes = new(store);

    public TimeSpan GracePeriod { get; } = gracePeriod;

    /// <summary>One pass over the hosts the snapshot knows. Returns how many hosts' allocations were freed.</summary>
    public async Task<int> SweepAsync(ClusterSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var freed = 0;
        var now = _clock.GetUtcNow();
        foreach (var info in snapshot.KnownHosts.Values.Where(h => !snapshot.IsAlive(h.Id)))
        {
            var key = ClusterKeys.HostInfoOf(info.Id);
            if (info.DownSince is null)
            {
                var kv = await store.GetAsync(key, cancellationToken);
                if (kv is not null && RecordCodec.HostInfo(kv.Value) is { DownSince: null } current
                    && await store.GetAsync(ClusterKeys.Host(info.Id), cancellationToken) is null)
                {
                    await store.TxnAsync(Txn.If(Compare.ModRevisionIs(key, kv.ModRevision))
                        .Then(TxnOp.Put(key, RecordCodec.Encode(current with { DownSince = now }))), cancellationToken);
                }
                continue;
            }
            if (now - info.DownSince.Value < GracePeriod)
            {
                continue;
            }
            foreach (var endpoint in snapshot.Endpoints.Values.Where(e => e.HostId == info.Id))
            {
                await _endpoints.RemoveAsync(endpoint, cancellationToken);
            }
            foreach (var sandbox in snapshot.Sandboxes.Values.Where(s => s.HostId == info.Id))
            {
                await _sandboxes.RemoveAsync(sandbox.Name, sandbox.Id, cancellationToken);
            }
            // Forget the host only if it did not come back meanwhile.
            var latest = await store.GetAsync(key, cancellationToken);
            if (latest is not null && RecordCodec.HostInfo(latest.Value)?.DownSince is not null)
            {
                await store.TxnAsync(Txn.If(Compare.ModRevisionIs(key, latest.ModRevision), Compare.Absent(ClusterKeys.Host(info.Id)))
                    .Then(TxnOp.Delete(key)), cancellationToken);
            }
            freed++;
        }
        return freed;
    }
}
