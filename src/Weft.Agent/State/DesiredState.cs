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

    /// <summary>
    /// What Weft's firewall table must hold on this host: the subnets of the built networks that have a way out
    /// (<paramref name="plans"/>), and the published ports of this host's sandboxes, each forwarded to the address of the
    /// interface that carries the sandbox's default route (so replies leave the way the request came).
    /// </summary>
    public static (IReadOnlyList<EgressSubnet> Egress, IReadOnlyList<PublishedPort> Ports) Edge(
        ClusterSnapshot snapshot, string hostId, IReadOnlyList<NetworkPlan> plans, NetworkDriverRegistry drivers, IReadOnlySet<string>? settling = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(drivers);
        var egress = new List<EgressSubnet>();
        foreach (var network in plans.Select(p => p.Network).OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (drivers.For(network).EgressInterface(network) is not { } outward)
            {
                continue;
            }
            egress.AddRange(network.Subnets.Where(s => s.Subnet.Family == System.Net.Sockets.AddressFamily.InterNetwork)
                .Select(s => new EgressSubnet(network.Name, s.Subnet, outward)));
        }
        var ports = new List<PublishedPort>();
        foreach (var sandbox in snapshot.Sandboxes.Values.Where(s => s.HostId == hostId && s.Ports.Count > 0 && settling?.Contains(s.Id) != true)
            .OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var carrier = InterfaceOrder.DefaultRouteCarrier(snapshot.EndpointsOfSandbox(sandbox.Id), snapshot.NetworkById);
            if (carrier?.Address is not { } target || snapshot.NetworkById(carrier.NetworkId) is not { } network
                || drivers.For(network).EgressInterface(network) is null)
            {
                continue; // `run` refuses such a sandbox; one whose network went meanwhile publishes nothing
            }
            ports.AddRange(sandbox.Ports.Select(m => new PublishedPort(sandbox.Name, m, target)));
        }
        return (egress, ports);
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
