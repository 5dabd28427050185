using System.Net;
using System.Net.Sockets;
using Weft.Linux.Demo;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Linux.Tests;

/// <summary>The seed experiment: two hosts, one VXLAN overlay, a ping across, and every object read back.</summary>
[RequiresRoot]
public sealed class SeedOverlayTests
{
    [Fact]
    public void Two_host_overlay_carries_a_ping_and_reads_back_as_built()
    {
        // The demo names its namespaces itself; under a fixture's id they are swept even if its own teardown fails.
        using var namespaces = new TestNamespaces();
        var prefix = namespaces.NameFor("s-");
        using var overlay = SeedOverlay.Build(prefix);
        try
        {
            Assert.All(overlay.NamespaceNames, name => Assert.StartsWith(TestNamespaces.RunPrefix, name, StringComparison.Ordinal));
            Assert.Equal(7, overlay.NamespaceNames.Count());

            foreach (var from in overlay.Hosts)
            {
                var to = overlay.Hosts.Single(h => h != from);
                var (code, output) = SeedOverlay.Ping(from, to);
                Assert.True(code == 0, $"ping {from.ContainerAddress} -> {to.ContainerAddress} failed ({code}): {output}");
                Assert.Contains("1 received", output, StringComparison.Ordinal);
            }

            using (var ul = overlay.Underlay.OpenNetlink())
            {
                var bridge = Assert.IsType<Bridge>(ul.GetLink(SeedOverlay.UnderlayBridge));
                Assert.True(bridge.Up);
                foreach (var host in overlay.Hosts)
                {
                    var port = Assert.IsType<Veth>(ul.GetLink($"ul-h{host.Number}"));
                    Assert.Equal(bridge.Index, port.MasterIndex);
                    Assert.True(port.Up);
                }
            }

            foreach (var host in overlay.Hosts)
            {
                var remote = overlay.Hosts.Single(h => h != host);
                CheckHost(host, remote);
            }
        }
        finally
        {
            overlay.Dispose();
        }

        Assert.DoesNotContain(NetworkNamespace.List(), name => name.StartsWith(prefix, StringComparison.Ordinal));
    }

    private static void CheckHost(SeedHost host, SeedHost remote)
    {
        using var hostLinks = host.Host.OpenNetlink();
        using var overlayLinks = host.Overlay.OpenNetlink();
        using var containerLinks = host.Container.OpenNetlink();

        // Host namespace: the underlay NIC with its address; the VXLAN device has moved out.
        var eth0 = Assert.IsType<Veth>(hostLinks.GetLink("eth0"));
        Assert.True(eth0.Up);
        Assert.Contains(hostLinks.ListAddresses(eth0.Index, AddressFamily.InterNetwork),
            a => a.Address.Equals(host.UnderlayAddress) && a.PrefixLength == 24);
        Assert.Null(hostLinks.FindLink(SeedOverlay.VxlanName));

        // Overlay namespace: br0 with the gateway, the VXLAN device and the veth enslaved to it.
        var br0 = Assert.IsType<Bridge>(overlayLinks.GetLink(SeedOverlay.Bridge));
        Assert.True(br0.Up);
        Assert.Contains(overlayLinks.ListAddresses(br0.Index, AddressFamily.InterNetwork),
            a => a.Address.Equals(SeedOverlay.Gateway) && a.PrefixLength == SeedOverlay.PrefixLength);

        var vxlan = Assert.IsType<Vxlan>(overlayLinks.GetLink(SeedOverlay.VxlanName));
        Assert.Equal(SeedOverlay.Vni, vxlan.Vni);
        Assert.Equal(host.UnderlayAddress, vxlan.Local);
        Assert.Equal(4789, vxlan.Port);
        Assert.False(vxlan.Learning);
        Assert.True(vxlan.Proxy);
        Assert.Equal(eth0.Index, vxlan.UnderlayIndex);
        Assert.Equal(br0.Index, vxlan.MasterIndex);
        Assert.Equal(SeedOverlay.Mtu, vxlan.Mtu);
        Assert.True(vxlan.Up);

        var veth = Assert.IsType<Veth>(overlayLinks.GetLink(host.VethName));
        Assert.Equal(br0.Index, veth.MasterIndex);
        Assert.Equal(SeedOverlay.Mtu, veth.Mtu);
        Assert.True(veth.Up);
        Assert.NotNull(veth.ParentNamespaceId);

        // Static entries for the remote endpoint, exactly as asked.
        var fdb = overlayLinks.ListFdb(vxlan.Index).Where(e => e.Destination is not null).ToList();
        var entry = Assert.Single(fdb);
        Assert.Equal(remote.ContainerMac, entry.MacAddress);
        Assert.Equal(remote.UnderlayAddress, entry.Destination);
        Assert.Equal(NeighborState.Permanent, entry.State);
        Assert.True(entry.Flags.HasFlag(NeighborFlags.Self));
        Assert.Equal(vxlan.Index, entry.LinkIndex);

        var neighbor = Assert.Single(overlayLinks.ListNeighbors(vxlan.Index, AddressFamily.InterNetwork));
        Assert.Equal(remote.ContainerAddress, neighbor.Address);
        Assert.Equal(remote.ContainerMac, neighbor.MacAddress);
        Assert.Equal(NeighborState.Permanent, neighbor.State);

        // Container: eth0 renamed, addressed, MTU 1450, default route via the gateway.
        var ceth = Assert.IsType<Veth>(containerLinks.GetLink("eth0"));
        Assert.Equal(SeedOverlay.Mtu, ceth.Mtu);
        Assert.Equal(host.ContainerMac, ceth.MacAddress);
        Assert.True(ceth.Up);
        Assert.Null(containerLinks.FindLink($"tmp-c{host.Number}"));
        var address = Assert.Single(containerLinks.ListAddresses(ceth.Index, AddressFamily.InterNetwork));
        Assert.Equal(host.ContainerAddress, address.Address);
        Assert.Equal(SeedOverlay.PrefixLength, address.PrefixLength);

        var routes = containerLinks.ListRoutes(AddressFamily.InterNetwork);
        var defaultRoute = Assert.Single(routes, r => r.Destination.PrefixLength == 0);
        Assert.Equal(SeedOverlay.Gateway, defaultRoute.Gateway);
        Assert.Equal(ceth.Index, defaultRoute.OutputLinkIndex);
        Assert.Equal(RouteTable.Main, defaultRoute.Table);
        Assert.Contains(routes, r => r.Destination == IPNetwork.Parse("10.0.10.0/24") && r.Gateway is null && r.OutputLinkIndex == ceth.Index);
    }
}
