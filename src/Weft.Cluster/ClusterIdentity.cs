using System.Text;
using Weft.Core.Naming;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>What an agent does with the store it opened, given the cluster it belonged to (<see cref="ClusterIdentity.Decide"/>).</summary>
public enum ClusterJoin
{
    /// <summary>The store holds the cluster id the agent should use: go on.</summary>
    Join,
    /// <summary>The store has no id yet: give it one (a new cluster, or one made by a Weft without ids), then join it.</summary>
    Create,
    /// <summary>Not this agent's cluster: stop before anything is built or removed.</summary>
    Refuse,
}

/// <summary>
/// A cluster's identity: an id written once under <see cref="ClusterKeys.ClusterId"/> when the store is first used,
/// and recorded by every agent that joins it. An agent that belonged to a cluster never acts on a store without that
/// id (an empty, deleted or replaced file, a wiped or other etcd): it would take the store's emptiness for the truth
/// and remove its host's networks and sandboxes.
/// </summary>
public static class ClusterIdentity
{
    /// <summary>The store's cluster id; null when it has none.</summary>
    public static async Task<string?> ReadAsync(IClusterStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var kv = await store.GetAsync(ClusterKeys.ClusterId, cancellationToken);
        return kv is null ? null : Encoding.UTF8.GetString(kv.Value);
    }

    /// <summary>Gives the store an id unless it has one (one transaction, so concurrent agents agree); returns the store's id.</summary>
    public static async Task<string> EnsureAsync(IClusterStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var fresh = WeftIds.New();
        var created = await store.TxnAsync(Txn.If(Compare.Absent(ClusterKeys.ClusterId))
            .Then(TxnOp.Put(ClusterKeys.ClusterId, Encoding.UTF8.GetBytes(fresh))), cancellationToken);
        return created.Succeeded ? fresh
            : await ReadAsync(store, cancellationToken) ?? throw new StoreException(store.Location, "the cluster id vanished right after it was written");
    }

    /// <summary>
    /// Whether an agent may use a store. <paramref name="recorded"/>: the id its state holds (null: none yet, a new host or
    /// one upgraded from a Weft without ids); <paramref name="stored"/>: the store's. A host that ran before without a
    /// recorded id (an upgrade) takes the store's id, or gives it one, only when the store knows the host (its host
    /// record is there); <paramref name="joinNew"/> (`--join-new-cluster`) accepts any store on purpose.
    /// </summary>
    public static (ClusterJoin Action, string? Problem) Decide(string? recorded, string? stored, bool hostIsNew, bool storeKnowsHost, bool joinNew)
    {
        if (stored is not null && (stored == recorded || joinNew))
        {
            return (ClusterJoin.Join, null);
        }
        if (stored is null && joinNew)
        {
            return (ClusterJoin.Create, null);
        }
        if (recorded is null)
        {
            if (hostIsNew || storeKnowsHost)
            {
                return (stored is null ? ClusterJoin.Create : ClusterJoin.Join, null);
            }
            return (ClusterJoin.Refuse, stored is null
                ? "this host ran before, and the store has no cluster id and no record of this host: it is empty or not this host's cluster"
                : $"this host ran before, and the store's cluster {stored} has no record of this host: it is not this host's cluster");
        }
        return (ClusterJoin.Refuse, stored is null
            ? $"this host belongs to cluster {recorded}, and the store has no cluster id: it is empty, or was deleted or replaced"
            : $"this host belongs to cluster {recorded}, and the store holds cluster {stored}");
    }
}
