using System.Net;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.Core.Overlay;
using Weft.DataPlane;

namespace Weft.Agent.Reconcile;

/// <summary>
/// What this host's kernel should hold, computed from a cluster snapshot alone (pure, so it is unit-testable):
/// one plan per overlay network that has an endpoint here. A host programs a network only while it has
/// endpoints on it, and points remote endpoints only at hosts whose lease is alive.
/// </summary>
public static class DesiredState
{
    public static IReadOnlyList<OverlayNetworkPlan> Plans(ClusterSnapshot snapshot, string hostId, int underlayMtu)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var plans = new List<OverlayNetworkPlan>();
        var localByNetwork = snapshot.Endpoints.Values.Where(e => e.HostId == hostId).GroupBy(e => e.NetworkId);
        foreach (var group in localByNetwork)
        {
            if (snapshot.NetworkById(group.Key) is not { } network
                || !(network is { Driver: NetworkDriver.Overlay, Vni: not null } || network.Driver == NetworkDriver.Bridge))
            {
                continue;
            }
            var plan = PlanFor(snapshot, network, hostId, underlayMtu);
            if (plan.Local.Count > 0)
            {
                plans.Add(plan);
            }
        }
        return plans;
    }

    /// <summary>The plan of one overlay network on this host.</summary>
    public static OverlayNetworkPlan PlanFor(ClusterSnapshot snapshot, NetworkRecord network, string hostId, int underlayMtu)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(network);
        var local = new List<LocalEndpoint>();
        var remote = new List<RemoteEndpoint>();
        foreach (var e in snapshot.EndpointsOf(network.Id))
        {
            if (e.HostId == hostId)
            {
                if (snapshot.SandboxById(e.SandboxId) is { } sandbox)
                {
                    local.Add(new LocalEndpoint(e, sandbox.NetworkNamespace, CarriesDefaultRoute(snapshot, e)));
                }
            }
            else if (e.Address is not null && snapshot.LiveHosts.TryGetValue(e.HostId, out var host) && IPAddress.TryParse(host.UnderlayAddress, out var vtep))
            {
                remote.Add(new RemoteEndpoint(e.Address, e.Mac, vtep));
            }
        }
        // A bridge network never leaves the host: Docker's 1500 unless given, and no remote endpoints.
        return network.Driver == NetworkDriver.Bridge
            ? new OverlayNetworkPlan(network, network.Mtu ?? 1500, local, [])
            : new OverlayNetworkPlan(network, MtuRules.Effective(network, underlayMtu), local, remote);
    }

    /// <summary>A sandbox's default route goes through its first network that reaches outside (the lowest ethN).</summary>
    private static bool CarriesDefaultRoute(ClusterSnapshot snapshot, EndpointRecord endpoint)
    {
        var first = snapshot.EndpointsOfSandbox(endpoint.SandboxId)
            .Where(e => snapshot.NetworkById(e.NetworkId) is { Internal: false })
            .OrderBy(e => InterfaceIndex(e.InterfaceName))
            .FirstOrDefault();
        return first?.Id == endpoint.Id;
    }

    public static int InterfaceIndex(string interfaceName) =>
        interfaceName.StartsWith("eth", StringComparison.Ordinal) && int.TryParse(interfaceName.AsSpan(3), out var i) ? i : int.MaxValue;
}
