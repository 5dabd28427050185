using System.Net;
using System.Net.Sockets;
using Weft.Core.Naming;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.DataPlane.Tests;

/// <summary>Apply puts back what someone broke, removes what nobody wants, and tears down cleanly.</summary>
[RequiresRoot]
public sealed class ReconcileTests
{
    private static readonly IPAddress StrangerVtep = IPAddress.Parse("198.18.0.9");

    [Fact]
    public void Apply_repairs_a_deleted_fdb_entry()
    {
        using var o = new TwoHostOverlay();
        o.ApplyBoth();
        var remote = o.Endpoints[1];
        using (var nl = o.Host(0).OpenNetworkNamespace(o.Network))
        {
            var vx = nl.GetLink("vx-256");
            nl.DeleteFdb(new FdbEntry(vx.Index, Records.Physical(remote.Mac)) { Destination = o.Host(1).Address });
            Assert.Empty(SelfFdb(nl, vx.Index));
        }

        NamespaceCommands.AssertDoesNotPing(o.Sandboxes[0], o.Address(1));

        var result = o.Host(0).Apply(o.Plan(0));
        Assert.Equal(new ApplyResult(1, 0), result);
        using (var nl = o.Host(0).OpenNetworkNamespace(o.Network))
        {
            var entry = Assert.Single(SelfFdb(nl, nl.GetLink("vx-256").Index));
            Assert.Equal(Records.Physical(remote.Mac), entry.MacAddress);
            Assert.Equal(o.Host(1).Address, entry.Destination);
            Assert.Equal(NeighborState.Permanent, entry.State);
        }

        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
    }

    [Fact]
    public void Apply_removes_bogus_entries_fixes_wrong_ones_and_brings_br0_back_up()
    {
        using var o = new TwoHostOverlay();
        o.ApplyBoth();
        var remote = o.Endpoints[1];
        var remoteMac = Records.Physical(remote.Mac);
        var bogusMac = new System.Net.NetworkInformation.PhysicalAddress([0x02, 0x57, 0, 0, 0, 0x99]);
        using (var nl = o.Host(0).OpenNetworkNamespace(o.Network))
        {
            var vx = nl.GetLink("vx-256");
            // A stranger's MAC, the all-zeros default (two destinations) that floods unknown frames to
            // strangers, and the wanted MAC pointed at the wrong VTEP: each sends frames where they do not belong.
            nl.AddFdb(new FdbEntry(vx.Index, bogusMac) { Destination = StrangerVtep });
            nl.AddFdb(new FdbEntry(vx.Index, new System.Net.NetworkInformation.PhysicalAddress(new byte[6])) { Destination = StrangerVtep });
            AppendFdb(o, "00:00:00:00:00:00", IPAddress.Parse("198.18.0.8"));
            nl.ReplaceFdb(new FdbEntry(vx.Index, remoteMac) { Destination = StrangerVtep });
            nl.AddNeighbor(new Neighbor(vx.Index, IPAddress.Parse("10.0.10.99")) { MacAddress = bogusMac });
            // The wanted neighbour pointing at the wrong MAC.
            nl.ReplaceNeighbor(new Neighbor(vx.Index, remote.Address!) { MacAddress = bogusMac });
            nl.SetLinkDown(KernelNames.OverlayBridgeName);
            Assert.Equal(4, SelfFdb(nl, vx.Index).Count);
        }

        var result = o.Host(0).Apply(o.Plan(0));
        Assert.True(result.Changed);
        Assert.True(result.Removed >= 4, result.ToString()); // three bogus FDB entries and one bogus neighbour

        using (var nl = o.Host(0).OpenNetworkNamespace(o.Network))
        {
            var vx = nl.GetLink("vx-256");
            var entry = Assert.Single(SelfFdb(nl, vx.Index));
            Assert.Equal(remoteMac, entry.MacAddress);
            Assert.Equal(o.Host(1).Address, entry.Destination);
            var neighbor = Assert.Single(nl.ListNeighbors(vx.Index, AddressFamily.InterNetwork));
            Assert.Equal(remote.Address, neighbor.Address);
            Assert.Equal(remoteMac, neighbor.MacAddress);
            Assert.Equal(NeighborState.Permanent, neighbor.State);
            Assert.True(nl.GetLink(KernelNames.OverlayBridgeName).Up);
        }

        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
        Assert.False(o.Host(0).Apply(o.Plan(0)).Changed);
    }

    [Fact]
    public void Apply_without_a_remote_removes_its_entries_and_traffic_stops()
    {
        using var o = new TwoHostOverlay();
        o.ApplyBoth();
        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));

        var result = o.Host(0).Apply(o.Plan(0, remote: false));
        Assert.Equal(new ApplyResult(0, 2), result);
        using (var nl = o.Host(0).OpenNetworkNamespace(o.Network))
        {
            var vx = nl.GetLink("vx-256");
            Assert.Empty(SelfFdb(nl, vx.Index));
            Assert.Empty(nl.ListNeighbors(vx.Index, AddressFamily.InterNetwork));
        }

        NamespaceCommands.AssertDoesNotPing(o.Sandboxes[0], o.Address(1));
    }

    [Fact]
    public void Apply_without_the_local_endpoint_and_Detach_unplug_the_sandbox()
    {
        using var o = new TwoHostOverlay();
        o.ApplyBoth();
        var veth = KernelNames.VethHostName(o.Endpoints[0].Id);

        var result = o.Host(0).Apply(o.Plan(0, local: false));
        Assert.Equal(new ApplyResult(0, 1), result);
        AssertUnplugged(o, veth);

        o.Host(0).Apply(o.Plan(0));
        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));

        Assert.True(o.Host(0).Run(d => d.Leave(o.Network, o.Endpoints[0].Id)));
        AssertUnplugged(o, veth);
        Assert.False(o.Host(0).Run(d => d.Leave(o.Network, o.Endpoints[0].Id)));

        // Join plugs it back in, as a container joining a network while it runs.
        o.Host(0).Run(d => d.Join(o.Plan(0), o.Plan(0).Local[0]));
        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
    }

    [Fact]
    public void Remove_deletes_the_namespace_and_a_leftover_vxlan_in_the_host_namespace()
    {
        using var o = new TwoHostOverlay();
        o.ApplyBoth();
        var host = o.Host(0);
        var nsName = host.Driver.NamespaceName(o.Network);

        Assert.Equal(["net"], host.Built());
        host.Run(d => d.Remove("net"));
        Assert.False(NetworkNamespace.Exists(nsName));
        Assert.DoesNotContain(nsName, NetworkNamespace.List());
        Assert.Empty(host.Built());
        host.Run(d => d.Remove("net")); // gone already: nothing to do, no error
        // The container's interface goes with the network.
        using (var sb = o.Sandboxes[0].OpenNetlink())
        {
            AssertEventually(() => sb.FindLink("eth0") is null, "sandbox eth0 still exists after Remove");
        }

        // Applying again right away rebuilds it; the old VXLAN device must not block the VNI.
        host.Apply(o.Plan(0));
        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
        host.Run(d => d.Remove("net"));

        // A crash between creating the VXLAN device and moving it leaves it in the host namespace: the driver lists it
        // as built, which no network wants, so the reconciler removes it.
        MakeStrayVxlan(host);
        Assert.Equal(["vx-256"], host.Built());
        host.Run(d => d.Remove("vx-256"));
        using (var hostNl = host.OpenHostNamespace())
        {
            Assert.Null(hostNl.FindLink("vx-256"));
        }

        // Apply copes with the same leftover: it builds the network and the host namespace ends clean.
        MakeStrayVxlan(host);
        host.Apply(o.Plan(0));
        using (var hostNl = host.OpenHostNamespace())
        {
            Assert.Null(hostNl.FindLink("vx-256"));
        }

        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
        Assert.Equal(["net"], host.Built());
    }

    internal static List<FdbEntry> SelfFdb(Weft.Linux.NetlinkHandle nl, int index) =>
        [.. nl.ListFdb(index).Where(e => e.MasterIndex is null && e.Flags.HasFlag(NeighborFlags.Self))];

    internal static void AssertEventually(Func<bool> condition, string message)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            Thread.Sleep(50);
        }

        Assert.True(condition(), message);
    }

    private static void AssertUnplugged(TwoHostOverlay o, string veth)
    {
        using var nl = o.Host(0).OpenNetworkNamespace(o.Network);
        Assert.Null(nl.FindLink(veth));
        Assert.DoesNotContain(nl.ListLinks(), l => l.Kind == "veth" && l.Name != Weft.Core.Naming.KernelNames.UplinkNetworkSideName);
        using var sb = o.Sandboxes[0].OpenNetlink();
        Assert.Null(sb.FindLink("eth0"));
        Assert.Equal(["lo"], sb.ListLinks().Select(l => l.Name));
    }

    private static void MakeStrayVxlan(LabHost host)
    {
        using var hostNl = host.OpenHostNamespace();
        hostNl.AddLink(new Vxlan
        {
            Name = "vx-256",
            Vni = TwoHostOverlay.Vni,
            Local = host.Address,
            UnderlayIndex = hostNl.GetLink("eth0").Index,
            Learning = false,
            Proxy = true,
            Mtu = 1450,
        });
    }

    /// <summary><c>bridge fdb append</c>: another destination for a MAC (the kernel allows it for all-zeros and multicast only).</summary>
    private static void AppendFdb(TwoHostOverlay o, string mac, IPAddress dst)
    {
        using var ns = NetworkNamespace.Open(o.Host(0).Driver.NamespaceName(o.Network));
        var (code, output) = NamespaceCommands.Exec(ns, "bridge", "fdb", "append", mac, "dev", "vx-256", "dst", dst.ToString(), "self", "permanent");
        Assert.True(code == 0, output);
    }
}
