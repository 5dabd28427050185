using System.Net;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.DataPlane;

namespace Weft.Agent.State;

/// <summary>
/// What this host's kernel should hold, computed from a cluster snapshot alone (pure, so it is unit-tested from
/// snapshots): one plan per network that has an endpoint here, whatever its driver. A host builds a network only while
/// it has endpoints on it, and points remote endpoints only at reachable hosts: those whose lease is alive, and those held
/// while their data plane answers (<see cref="ClusterSnapshot.HeldHosts"/>).
/// </summary>
public static class DesiredState
{
    /// <param name="settling">Sandboxes whose removal a crash left unfinished: they are going, so nothing is built for them.</param>
    public static IReadOnlyList<NetworkPlan> Plans(ClusterSnapshot snapshot, string hostId, IReadOnlySet<string>? settling = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var plans = new List<NetworkPlan>();
        var localNetworks = snapshot.Endpoints.Values.Where(e => e.HostId == hostId).Select(e => e.NetworkId).Distinct(StringComparer.Ordinal);
        foreach (var networkId in localNetworks.Order(StringComparer.Ordinal))
        {
            if (snapshot.NetworkById(networkId) is not { } network || network is { Driver: NetworkDriver.Overlay, Vni: null })
            {
                continue;
            }
            var plan = PlanFor(snapshot, network, hostId, settling);
            if (plan.Local.Count > 0)
            {
                plans.Add(plan);
            }
        }
        return plans;
    }

    /// <summary>The plan of one network on this host.</summary>
    public static NetworkPlan PlanFor(ClusterSnapshot snapshot, NetworkRecord network, string hostId, IReadOnlySet<string>? settling = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(network);
        var local = new List<LocalEndpoint>();
        var remote = new List<RemoteEndpoint>();
        foreach (var e in snapshot.EndpointsOf(network.Id).OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            if (e.HostId == hostId)
            {
                if (snapshot.SandboxById(e.SandboxId) is { } sandbox && settling?.Contains(sandbox.Id) != true)
                {
                    local.Add(new LocalEndpoint(e, sandbox.NetworkNamespace, CarriesDefaultRoute(snapshot, e), HandsOver(sandbox), Replug: sandbox.Engine == SandboxEngine.Weft));
                }
            }
            // Only a global network spans hosts; a local one (bridge, host, null) with the same name elsewhere is another network.
            else if (network.Scope == NetworkScope.Global && e.Address is not null
                && snapshot.VtepOf(e.HostId) is { } address && IPAddress.TryParse(address, out var vtep))
            {
                remote.Add(new RemoteEndpoint(e.Address, e.Mac, vtep));
            }
        }
        return new NetworkPlan(network, local, remote);
    }

    /// <summary>Docker moves and configures its containers' interfaces itself; Weft does so for its own and for CNI runtimes'.</summary>
    public static bool HandsOver(SandboxRecord sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        return sandbox.Engine == SandboxEngine.Docker;
    }

    private static bool CarriesDefaultRoute(ClusterSnapshot snapshot, EndpointRecord endpoint) =>
        InterfaceOrder.DefaultRouteCarrier(snapshot.EndpointsOfSandbox(endpoint.SandboxId), snapshot.NetworkById)?.Id == endpoint.Id;
}
