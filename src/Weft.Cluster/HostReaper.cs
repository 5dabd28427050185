using Weft.Core.Model;
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
    private readonly SandboxCatalog _sandboxes = new(store, clock);

    public TimeSpan GracePeriod { get; } = gracePeriod;

    /// <summary>One pass over the hosts the snapshot knows. Returns how many hosts' allocations were freed.</summary>
    /// <remarks>
    /// The snapshot only says which hosts to look at; every decision is made again from the store, and every removal is
    /// a transaction that holds only while the host is still away and its record unchanged. A host that registers again
    /// at any moment, even between two removals, keeps whatever was not freed yet.
    /// </remarks>
    public async Task<int> SweepAsync(ClusterSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var freed = 0;
        var now = _clock.GetUtcNow();
        foreach (var id in snapshot.KnownHosts.Keys.Where(id => !snapshot.IsAlive(id)))
        {
            var key = ClusterKeys.HostInfoOf(id);
            var kv = await store.GetAsync(key, cancellationToken);
            if (kv is null || RecordCodec.HostInfo(kv.Value) is not { } info
                || await store.GetAsync(ClusterKeys.Host(id), cancellationToken) is not null)
            {
                continue; // forgotten already, or alive again
            }
            Compare[] stillAway = [Compare.Absent(ClusterKeys.Host(id)), Compare.ModRevisionIs(key, kv.ModRevision)];
            if (info.DownSince is null)
            {
                await store.TxnAsync(new Txn([.. stillAway], [TxnOp.Put(key, RecordCodec.Encode(info with { DownSince = now }))], []), cancellationToken);
                continue;
            }
            if (now - info.DownSince.Value < GracePeriod)
            {
                continue;
            }
            if (await FreeAsync(id, stillAway, cancellationToken))
            {
                // Forget the host only if it did not come back meanwhile.
                await store.TxnAsync(new Txn([.. stillAway], [TxnOp.Delete(key)], []), cancellationToken);
                freed++;
            }
        }
        return freed;
    }

    /// <summary>
    /// Removes the host's endpoints (freeing their addresses) and sandboxes, as listed in the store now rather than in a
    /// snapshot that may miss some: once the host is forgotten nothing would free them. False when the host came back.
    /// </summary>
    private async Task<bool> FreeAsync(string hostId, Compare[] stillAway, CancellationToken cancellationToken)
    {
        var endpoints = (await store.ListAsync(ClusterKeys.Endpoints, cancellationToken)).Items
            .Select(kv => RecordCodec.Endpoint(kv.Value))
            .OfType<EndpointRecord>()
            .Where(e => e.HostId == hostId)
            .ToList();
        var sandboxes = (await store.ListAsync(ClusterKeys.Sandboxes, cancellationToken)).Items
            .Select(kv => RecordCodec.Sandbox(kv.Value))
            .OfType<SandboxRecord>()
            .Where(s => s.HostId == hostId)
            .ToList();
        // Each sandbox goes with its endpoints; endpoints of no sandbox found (a crash in between) go on their own.
        foreach (var sandbox in sandboxes)
        {
            var own = endpoints.Where(e => e.SandboxId == sandbox.Id).Select(EndpointKey.Of).ToList();
            if (await _sandboxes.RemoveAsync(sandbox.Name, sandbox.Id, own, stillAway, cancellationToken) is null)
            {
                return false;
            }
        }
        var orphans = endpoints.Where(e => !sandboxes.Any(s => s.Id == e.SandboxId)).Select(EndpointKey.Of).ToList();
        if (orphans.Count > 0 && await _endpoints.RemoveAsync(orphans, TxnAddition.Guards(store, stillAway), cancellationToken) is null)
        {
            return false;
        }
        // Addresses the host asked for (Docker's IPAM) for endpoints it never made.
        foreach (var kv in (await store.ListAsync(ClusterKeys.Ipam, cancellationToken)).Items)
        {
            if (RecordCodec.Allocation(kv.Value) is { OwnerKind: AllocationOwnerKind.Pending } pending && pending.HostId == hostId
                && !(await store.TxnAsync(new Txn([.. stillAway, Compare.ModRevisionIs(kv.Key, kv.ModRevision)], [TxnOp.Delete(kv.Key)], []), cancellationToken)).Succeeded
                && !await TxnAddition.HoldsAsync(store, stillAway, cancellationToken))
            {
                return false;
            }
        }
        return true;
    }
}
