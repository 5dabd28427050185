using System.Net;
using Weft.Agent.State;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.DataPlane;
using static Weft.Agent.Tests.SnapshotRecords;

namespace Weft.Agent.Tests;

/// <summary>
/// What a host's kernel should hold, computed from cluster snapshots alone: which networks it builds, which remote
/// endpoints it points at other hosts' VTEPs, and which interface of a sandbox carries its default route.
/// </summary>
public sealed class DesiredStateTests
{
    private const string Here = "id-node-1";
    private static readonly HostRecord Node1 = LiveHost("node-1", "198.18.0.1");
    private static readonly HostRecord Node2 = LiveHost("node-2", "198.18.0.2");
    private static readonly HostRecord Node3 = LiveHost("node-3", "198.18.0.3");

    [Fact]
    public void Every_driver_gets_a_plan_for_the_local_sandboxes_on_it()
    {
        var overlay = Overlay("ov", "10.0.10.0/24");
        var bridge = Network("br", NetworkDriver.Bridge, "10.0.20.0/24");
        var host = Network("hostnet", NetworkDriver.Host);
        var none = Network("none", NetworkDriver.Null);
        var a = Sandbox("a", "node-1");
        var b = Sandbox("b", "node-1");
        var c = SandboxOnHostNamespace("c", "node-1");
        var d = Sandbox("d", "node-1");
        var snapshot = ClusterSnapshot.Empty.With(Node1)
            .With(overlay).With(bridge).With(host).With(none)
            .With(a).With(b).With(c).With(d)
            .With(Endpoint(overlay, a, "10.0.10.2")).With(Endpoint(bridge, b, "10.0.20.2"))
            .With(Endpoint(host, c, null)).With(Endpoint(none, d, null));

        var plans = DesiredState.Plans(snapshot, Here);

        Assert.Equal(["net-br", "net-hostnet", "net-none", "net-ov"], plans.Select(p => p.Network.Id));
        Assert.All(plans, plan => Assert.Empty(plan.Remote));
        var local = plans.ToDictionary(p => p.Network.Name, p => Assert.Single(p.Local));
        Assert.Equal((a.NetworkNamespace, "ep-a-ov"), (local["ov"].NamespacePath, local["ov"].Endpoint.Id));
        Assert.Equal((b.NetworkNamespace, "ep-b-br"), (local["br"].NamespacePath, local["br"].Endpoint.Id));
        Assert.Equal((c.NetworkNamespace, "ep-c-hostnet"), (local["hostnet"].NamespacePath, local["hostnet"].Endpoint.Id));
        Assert.Equal((d.NetworkNamespace, "ep-d-none"), (local["none"].NamespacePath, local["none"].Endpoint.Id));
    }

    [Fact]
    public void A_host_builds_a_network_only_while_it_has_a_sandbox_on_it()
    {
        var overlay = Overlay("ov", "10.0.10.0/24");
        var remote = Sandbox("far", "node-2");
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(Node2).With(overlay).With(remote).With(Endpoint(overlay, remote, "10.0.10.3"));

        Assert.Empty(DesiredState.Plans(snapshot, Here));
        Assert.Single(DesiredState.Plans(snapshot, "id-node-2"));
    }

    [Fact]
    public void An_overlay_is_not_built_before_it_has_a_VNI()
    {
        var overlay = Overlay("ov", "10.0.10.0/24", vni: null);
        var a = Sandbox("a", "node-1");
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(overlay).With(a).With(Endpoint(overlay, a, "10.0.10.2"));

        Assert.Empty(DesiredState.Plans(snapshot, Here));
        Assert.Single(DesiredState.Plans(snapshot.With(overlay with { Vni = 300 }), Here));
    }

    [Fact]
    public void Remote_endpoints_point_at_the_VTEP_of_their_live_host_and_dead_hosts_drop_out()
    {
        var overlay = Overlay("ov", "10.0.10.0/24");
        var a = Sandbox("a", "node-1");
        var b = Sandbox("b", "node-2");
        var c = Sandbox("c", "node-3");
        var onB = Endpoint(overlay, b, "10.0.10.3");
        var onC = Endpoint(overlay, c, "10.0.10.4");
        // node-3 registered once but its lease is gone: the cluster knows it, it is not live.
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(Node2).With(KnownHost("node-3", "198.18.0.3"))
            .With(overlay).With(a).With(b).With(c)
            .With(Endpoint(overlay, a, "10.0.10.2")).With(onB).With(onC);

        var plan = Assert.Single(DesiredState.Plans(snapshot, Here));

        var remote = Assert.Single(plan.Remote);
        Assert.Equal(new RemoteEndpoint(IPAddress.Parse("10.0.10.3"), onB.Mac, IPAddress.Parse("198.18.0.2")), remote);
        // Its lease back, node-3's endpoint is pointed at again.
        var revived = Assert.Single(DesiredState.Plans(snapshot.With(Node3), Here));
        Assert.Equal(["198.18.0.2", "198.18.0.3"], revived.Remote.Select(r => r.Vtep.ToString()).Order(StringComparer.Ordinal));
        Assert.Contains(new RemoteEndpoint(IPAddress.Parse("10.0.10.4"), onC.Mac, IPAddress.Parse("198.18.0.3")), revived.Remote);
    }

    [Fact]
    public void A_held_host_whose_lease_is_gone_is_still_pointed_at_through_its_known_underlay_address()
    {
        var overlay = Overlay("ov", "10.0.10.0/24");
        var a = Sandbox("a", "node-1");
        var c = Sandbox("c", "node-3");
        var onC = Endpoint(overlay, c, "10.0.10.4");
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(KnownHost("node-3", "198.18.0.3"))
            .With(overlay).With(a).With(c).With(Endpoint(overlay, a, "10.0.10.2")).With(onC);

        Assert.Empty(Assert.Single(DesiredState.Plans(snapshot, Here)).Remote);
        var held = Assert.Single(DesiredState.Plans(snapshot.WithHeld(["id-node-3"]), Here));
        Assert.Equal(new RemoteEndpoint(IPAddress.Parse("10.0.10.4"), onC.Mac, IPAddress.Parse("198.18.0.3")), Assert.Single(held.Remote));
    }

    [Fact]
    public void A_local_network_never_reaches_endpoints_on_other_hosts()
    {
        // A bridge network is one host's: another host's sandbox on a network of that name is on another segment.
        var bridge = Network("br", NetworkDriver.Bridge, "10.0.20.0/24");
        var a = Sandbox("a", "node-1");
        var b = Sandbox("b", "node-2");
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(Node2).With(bridge).With(a).With(b)
            .With(Endpoint(bridge, a, "10.0.20.2")).With(Endpoint(bridge, b, "10.0.20.3"));

        var plan = Assert.Single(DesiredState.Plans(snapshot, Here));

        Assert.Equal("ep-a-br", Assert.Single(plan.Local).Endpoint.Id);
        Assert.Empty(plan.Remote);
    }

    [Fact]
    public void The_default_route_goes_through_the_first_network_that_is_not_internal()
    {
        var backend = Overlay("backend", "10.0.30.0/24", vni: 301, isInternal: true);
        var front = Overlay("front", "10.0.10.0/24", vni: 302);
        var extra = Overlay("extra", "10.0.40.0/24", vni: 303);
        var a = Sandbox("a", "node-1");
        // eth0 on the internal network, eth1 and eth2 on networks that reach outside.
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(backend).With(front).With(extra).With(a)
            .With(Endpoint(backend, a, "10.0.30.2", "eth0"))
            .With(Endpoint(front, a, "10.0.10.2", "eth1"))
            .With(Endpoint(extra, a, "10.0.40.2", "eth2"));

        var routes = DesiredState.Plans(snapshot, Here).ToDictionary(p => p.Network.Name, p => Assert.Single(p.Local).DefaultRoute);

        Assert.Equal(new Dictionary<string, bool> { ["backend"] = false, ["front"] = true, ["extra"] = false }, routes);
    }

    [Fact]
    public void A_sandbox_only_on_internal_networks_has_no_default_route()
    {
        var backend = Overlay("backend", "10.0.30.0/24", isInternal: true);
        var a = Sandbox("a", "node-1");
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(backend).With(a).With(Endpoint(backend, a, "10.0.30.2"));

        Assert.False(Assert.Single(Assert.Single(DesiredState.Plans(snapshot, Here)).Local).DefaultRoute);
    }

    [Fact]
    public void Sandboxes_being_settled_after_a_crash_get_nothing_built()
    {
        var overlay = Overlay("ov", "10.0.10.0/24");
        var bridge = Network("br", NetworkDriver.Bridge, "10.0.20.0/24");
        var staying = Sandbox("staying", "node-1");
        var going = Sandbox("going", "node-1");
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(overlay).With(bridge).With(staying).With(going)
            .With(Endpoint(overlay, staying, "10.0.10.2")).With(Endpoint(overlay, going, "10.0.10.3"))
            .With(Endpoint(bridge, going, "10.0.20.2", "eth1"));

        var plans = DesiredState.Plans(snapshot, Here, new HashSet<string> { going.Id });

        // The bridge network had only the settling sandbox: it is not built at all.
        var plan = Assert.Single(plans);
        Assert.Equal("ov", plan.Network.Name);
        Assert.Equal("ep-staying-ov", Assert.Single(plan.Local).Endpoint.Id);
        Assert.Equal(2, DesiredState.Plans(snapshot, Here).Count);
    }

    [Fact]
    public void An_endpoint_whose_sandbox_record_is_missing_gets_nothing_built()
    {
        var overlay = Overlay("ov", "10.0.10.0/24");
        var ghost = Sandbox("ghost", "node-1");
        var snapshot = ClusterSnapshot.Empty.With(Node1).With(overlay).With(Endpoint(overlay, ghost, "10.0.10.2"));

        Assert.Empty(DesiredState.Plans(snapshot, Here));
    }

    [Theory]
    [InlineData(new string[0], "eth0")]
    [InlineData(new[] { "eth0" }, "eth1")]
    [InlineData(new[] { "eth0", "eth2" }, "eth3")]
    [InlineData(new[] { "eth1" }, "eth2")]
    public void A_sandboxs_next_network_gets_the_interface_after_its_highest(string[] current, string next)
    {
        var a = Sandbox("a", "node-1");
        var endpoints = current.Select((name, i) => Endpoint(Overlay("n" + i, "10.0.10.0/24"), a, null, name));

        Assert.Equal(next, InterfaceOrder.Next(endpoints));
    }

    [Fact]
    public void Interfaces_order_by_their_number_and_other_names_last()
    {
        Assert.Equal(["eth2", "eth10", "lo"], new[] { "lo", "eth10", "eth2" }.OrderBy(InterfaceOrder.IndexOf));
    }
}
