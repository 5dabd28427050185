using System.Net.Sockets;
using Weft.Core.Naming;
using Weft.Linux.Links;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.DataPlane.Tests;

/// <summary>Apply builds a working overlay, reads back as planned, and is a no-op when nothing changed.</summary>
[RequiresRoot]
public sealed class OverlayApplyTests
{
    [Fact]
    public void Two_hosts_ping_each_other_and_the_kernel_reads_back_as_planned()
    {
        using var o = new TwoHostOverlay();
        o.ApplyBoth();

        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
        NamespaceCommands.AssertPings(o.Sandboxes[1], o.Address(0));
        NamespaceCommands.AssertPings(o.Sandboxes[0], TwoHostOverlay.Gateway);

        for (var i = 0; i < 2; i++)
        {
            var host = o.Host(i);
            var remoteHost = o.Host(1 - i);
            var remote = o.Endpoints[1 - i];
            var local = o.Endpoints[i];

            // The namespace is where `ip netns` sees it, named after host and network.
            Assert.Contains($"weft-{host.Name}_net", Weft.Linux.Namespaces.NetworkNamespace.List());
            Assert.Equal(["net"], host.Built());

            using var nl = host.OpenNetworkNamespace(o.Network);
            var br0 = Assert.IsType<Bridge>(nl.GetLink(KernelNames.OverlayBridgeName));
            Assert.True(br0.Up);
            Assert.Contains(nl.ListAddresses(br0.Index, AddressFamily.InterNetwork),
                a => a.Address.Equals(TwoHostOverlay.Gateway) && a.PrefixLength == 24);

            using (var hostNl = host.OpenHostNamespace())
            {
                var eth0 = hostNl.GetLink("eth0");
                Assert.Null(hostNl.FindLink("vx-256")); // moved into the network namespace
                var vx = Assert.IsType<Vxlan>(nl.GetLink("vx-256"));
                Assert.Equal(256, vx.Vni);
                Assert.Equal(4789, vx.Port);
                Assert.False(vx.Learning);
                Assert.True(vx.Proxy);
                Assert.Equal(host.Address, vx.Local);
                Assert.Equal(eth0.Index, vx.UnderlayIndex);
                Assert.Equal(br0.Index, vx.MasterIndex);
                Assert.Equal(1450, vx.Mtu);
                Assert.True(vx.Up);

                var fdb = nl.ListFdb(vx.Index).Where(e => e.MasterIndex is null && e.Flags.HasFlag(NeighborFlags.Self)).ToList();
                var entry = Assert.Single(fdb);
                Assert.Equal(Records.Physical(remote.Mac), entry.MacAddress);
                Assert.Equal(remoteHost.Address, entry.Destination);
                Assert.Equal(NeighborState.Permanent, entry.State);

                var neighbor = Assert.Single(nl.ListNeighbors(vx.Index, AddressFamily.InterNetwork));
                Assert.Equal(remote.Address, neighbor.Address);
                Assert.Equal(Records.Physical(remote.Mac), neighbor.MacAddress);
                Assert.Equal(NeighborState.Permanent, neighbor.State);
            }

            var veth = Assert.IsType<Veth>(nl.GetLink(KernelNames.VethHostName(local.Id)));
            Assert.Equal(br0.Index, veth.MasterIndex);
            Assert.True(veth.Up);
            Assert.Equal(1450, veth.Mtu);

            using var sb = o.Sandboxes[i].OpenNetlink();
            var ceth = Assert.IsType<Veth>(sb.GetLink("eth0"));
            Assert.Equal(1450, ceth.Mtu);
            Assert.Equal(Records.Physical(local.Mac), ceth.MacAddress);
            Assert.True(ceth.Up);
            Assert.Null(sb.FindLink(KernelNames.VethContainerName(local.Id)));
            var address = Assert.Single(sb.ListAddresses(ceth.Index, AddressFamily.InterNetwork));
            Assert.Equal(local.Address, address.Address);
            Assert.Equal(24, address.PrefixLength);
            var route = Assert.Single(sb.ListRoutes(AddressFamily.InterNetwork), r => r.Destination.PrefixLength == 0);
            Assert.Equal(TwoHostOverlay.Gateway, route.Gateway);
            Assert.Equal(ceth.Index, route.OutputLinkIndex);
        }
    }

    [Fact]
    public void A_second_apply_of_the_same_plan_changes_nothing_and_duplicates_nothing()
    {
        using var o = new TwoHostOverlay();
        var first = o.Host(0).Apply(o.Plan(0));
        Assert.True(first.Changed);
        o.Host(1).Apply(o.Plan(1));

        // The kernel adds NOARP neighbours of its own on the VXLAN device (IPv6 multicast, while MLD and DAD run
        // on its link-local address); wait for one so the passes below meet them.
        var kernelOwn = WaitForKernelNeighbor(o);

        var before = Snapshot(o);
        for (var pass = 0; pass < 2; pass++)
        {
            var again = o.Host(0).Apply(o.Plan(0));
            Assert.False(again.Changed, $"pass {pass}: {again}");
        }

        Assert.Equal(before, Snapshot(o));
        if (kernelOwn is not null)
        {
            using var nl = o.Host(0).OpenNetworkNamespace(o.Network);
            Assert.Contains(nl.ListNeighbors(nl.GetLink("vx-256").Index), n => n.Address.Equals(kernelOwn.Address));
        }

        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
        NamespaceCommands.AssertPings(o.Sandboxes[1], o.Address(0));
    }

    private static Neighbor? WaitForKernelNeighbor(TwoHostOverlay o)
    {
        using var nl = o.Host(0).OpenNetworkNamespace(o.Network);
        var vx = nl.GetLink("vx-256");
        for (var i = 0; i < 40; i++)
        {
            if (nl.ListNeighbors(vx.Index).FirstOrDefault(n => n.State.HasFlag(NeighborState.NoArp)) is { } found)
            {
                return found;
            }

            Thread.Sleep(50);
        }

        return null;
    }

    /// <summary>Everything host 1 has for the network, as text, so two reads can be compared whole.</summary>
    private static string Snapshot(TwoHostOverlay o)
    {
        using var nl = o.Host(0).OpenNetworkNamespace(o.Network);
        using var sb = o.Sandboxes[0].OpenNetlink();
        using var hostNl = o.Host(0).OpenHostNamespace();
        var vx = nl.GetLink("vx-256");
        var lines = new List<string>();
        lines.AddRange(nl.ListLinks().Select(l => $"ns link {l.Name} {l.Index} {l.Kind} master={l.MasterIndex} mtu={l.Mtu} up={l.Up}"));
        lines.AddRange(nl.ListAddresses(family: AddressFamily.InterNetwork).Select(a => $"ns addr {a}"));
        lines.AddRange(nl.ListFdb(vx.Index).Where(e => e.MasterIndex is null).Select(e => $"ns fdb {e}"));
        lines.AddRange(nl.ListNeighbors(vx.Index, AddressFamily.InterNetwork).Select(n => $"ns neigh {n}"));
        lines.AddRange(sb.ListLinks().Select(l => $"sb link {l.Name} {l.Index} mtu={l.Mtu} up={l.Up}"));
        lines.AddRange(sb.ListAddresses(family: AddressFamily.InterNetwork).Select(a => $"sb addr {a}"));
        lines.AddRange(sb.ListRoutes(AddressFamily.InterNetwork).Select(r => $"sb route {r}"));
        lines.AddRange(hostNl.ListLinks().Select(l => $"host link {l.Name} {l.Kind}"));
        Assert.Single(nl.ListAddresses(nl.GetLink("br0").Index, AddressFamily.InterNetwork));
        Assert.Single(sb.ListRoutes(AddressFamily.InterNetwork), r => r.Destination.PrefixLength == 0);
        return string.Join('\n', lines);
    }

    [Fact]
    public void Jumbo_underlay_carries_a_large_unfragmented_ping()
    {
        using var o = new TwoHostOverlay(underlayMtu: 9000, mtu: 8950);
        o.ApplyBoth();

        for (var i = 0; i < 2; i++)
        {
            using var sb = o.Sandboxes[i].OpenNetlink();
            Assert.Equal(8950, sb.GetLink("eth0").Mtu);
            using var nl = o.Host(i).OpenNetworkNamespace(o.Network);
            Assert.Equal(8950, nl.GetLink("vx-256").Mtu);
            Assert.Equal(8950, nl.GetLink("br0").Mtu);
        }

        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1), "-s", "8000", "-M", "do");
        NamespaceCommands.AssertPings(o.Sandboxes[1], o.Address(0), "-s", "8000", "-M", "do");
    }
}
