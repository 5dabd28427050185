using Weft.Cluster;
using Weft.Store;

namespace Weft.Agent.Host;

/// <summary>The agent's check at start that the store is its cluster's, before anything is built or removed.</summary>
public static class ClusterMembership
{
    /// <summary>Returns the cluster id to follow, recorded in the state directory.</summary>
    /// <exception cref="ClusterIdentityException">Not this host's cluster; nothing was changed.</exception>
    public static async Task<string> JoinAsync(IClusterStore store, string stateDirectory, string hostId, bool hostIsNew, bool joinNew, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var recorded = ClusterIdFile.Load(stateDirectory);
        var stored = await ClusterIdentity.ReadAsync(store, ct);
        var knowsHost = recorded is null && await store.GetAsync(ClusterKeys.HostInfoOf(hostId), ct) is not null;
        var (action, problem) = ClusterIdentity.Decide(recorded, stored, hostIsNew, knowsHost, joinNew);
        var id = action switch
        {
            ClusterJoin.Join => stored!,
            ClusterJoin.Create => await ClusterIdentity.EnsureAsync(store, ct),
            _ => throw new ClusterIdentityException(
                $"refusing to start on store {store.Location}: {problem}. Nothing was changed: no network, sandbox or namespace of this host was touched. "
                + "If the store was lost or replaced by mistake, restore it (or point --store at the cluster's store) and start again; "
                + $"to make this host part of the store's cluster on purpose, start once with --join-new-cluster (the networks and sandboxes "
                + "this host had, which that cluster does not know, are then removed)"),
        };
        if (id != recorded)
        {
            ClusterIdFile.Save(stateDirectory, id);
        }
        return id;
    }
}

/// <summary>The store is not the cluster this host belongs to; the message names both and the way out.</summary>
public sealed class ClusterIdentityException(string message) : Exception(message);
