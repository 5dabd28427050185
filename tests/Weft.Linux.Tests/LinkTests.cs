using System.Net;
using Weft.Linux.Links;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Linux.Tests;

[RequiresRoot]
public sealed class LinkTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    [Fact]
    public void Bridge_and_veth_are_added_read_back_listed_and_deleted()
    {
        // This machine's kernel has no dummy driver; bridges and veths stand in for plain devices.
        var (_, nl) = _namespaces.CreateWithNetlink("lk");
        var mac = MacAddresses.Parse("02:00:00:00:aa:01");
        var bridge = Assert.IsType<Bridge>(nl.AddLink(new Bridge { Name = "br0", Mtu = 1400, MacAddress = mac, Up = true }));
        Assert.Equal("br0", bridge.Name);
        Assert.True(bridge.Index > 0);
        Assert.Equal(1400, bridge.Mtu);
        Assert.Equal(mac, bridge.MacAddress);
        Assert.True(bridge.Up);
        Assert.Equal("bridge", bridge.Kind);

        var veth = Assert.IsType<Veth>(nl.AddLink(new Veth { Name = "v0", PeerName = "v1" }));
        Assert.False(veth.Up);
        Assert.Equal("veth", veth.Kind);

        var links = nl.ListLinks();
        Assert.Contains(links, l => l is GenericLink { Name: "lo" } g && g.Kind == "" && g.Flags.HasFlag(LinkFlags.Loopback));
        Assert.Contains(links, l => l is Bridge { Name: "br0" } && l.Index == bridge.Index);
        Assert.Contains(links, l => l is Veth { Name: "v0" } && l.Index == veth.Index);
        Assert.Contains(links, l => l is Veth { Name: "v1" } && l.ParentIndex == veth.Index);
        Assert.Equal(bridge, nl.GetLink(bridge.Index));
        Assert.Equal(veth, nl.GetLink("v0"));

        nl.DeleteLink("br0");
        nl.DeleteLink("v0");
        Assert.Null(nl.FindLink("br0"));
        Assert.DoesNotContain(nl.ListLinks(), l => l.Name is "br0" or "v0" or "v1");
    }

    [Fact]
    public void Veth_peer_is_created_directly_in_another_namespace()
    {
        var (_, left) = _namespaces.CreateWithNetlink("va");
        var (rightNs, right) = _namespaces.CreateWithNetlink("vb");
        var peerMac = MacAddresses.Parse("02:00:00:00:bb:02");
        var veth = Assert.IsType<Veth>(left.AddLink(new Veth { Name = "v-left", PeerName = "v-right", PeerNamespace = rightNs, PeerMacAddress = peerMac, Mtu = 1450 }));

        Assert.Null(left.FindLink("v-right"));
        var peer = Assert.IsType<Veth>(right.GetLink("v-right"));
        Assert.Equal(peerMac, peer.MacAddress);
        Assert.Equal(1450, peer.Mtu);
        Assert.Equal(1450, veth.Mtu);
        // Each end names the other by index, with a netns id because it lives elsewhere.
        Assert.Equal(peer.Index, veth.ParentIndex);
        Assert.NotNull(veth.ParentNamespaceId);
        Assert.Equal(veth.Index, peer.ParentIndex);
    }

    [Fact]
    public void Vxlan_reads_back_every_attribute_it_was_created_with()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("vx");
        var underlay = nl.AddLink(new Bridge { Name = "ul0", Up = true });
        nl.AddAddress("ul0", IPAddress.Parse("198.18.1.1"), 24);
        var asked = new Vxlan
        {
            Name = "vxlan42",
            Vni = 4242,
            Local = IPAddress.Parse("198.18.1.1"),
            UnderlayIndex = underlay.Index,
            Port = 4790,
            SourcePorts = new PortRange(40000, 50000),
            Learning = false,
            Proxy = true,
            Ttl = 64,
            Mtu = 1450,
        };
        var got = Assert.IsType<Vxlan>(nl.AddLink(asked));
        Assert.Equal(asked with { Index = got.Index, Flags = got.Flags, MacAddress = got.MacAddress, TxQueueLength = got.TxQueueLength, Ageing = got.Ageing, ParentIndex = got.ParentIndex }, got);
        Assert.NotNull(got.MacAddress);

        var learning = Assert.IsType<Vxlan>(nl.AddLink(new Vxlan { Name = "vxlan43", Vni = Vxlan.MaxVni, Learning = true, L2Miss = true }));
        Assert.Equal(Vxlan.MaxVni, learning.Vni);
        Assert.True(learning.Learning);
        Assert.True(learning.L2Miss);
        Assert.False(learning.Proxy);
        Assert.Equal(Vxlan.DefaultPort, learning.Port);
        Assert.Null(learning.Local);
        Assert.Null(learning.UnderlayIndex);
    }

    [Fact]
    public void Link_settings_change_one_at_a_time()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("ls");
        var (otherNs, other) = _namespaces.CreateWithNetlink("lt");
        var bridge = nl.AddLink(new Bridge { Name = "br0" });
        nl.AddLink(new Veth { Name = "p0", PeerName = "p1" });

        nl.SetLinkUp("p0");
        Assert.True(nl.GetLink("p0").Up);
        nl.SetLinkDown("p0");
        Assert.False(nl.GetLink("p0").Up);

        nl.SetLinkMtu("p0", 9000);
        Assert.Equal(9000, nl.GetLink("p0").Mtu);

        var mac = MacAddresses.Parse("02:00:00:00:cc:03");
        nl.SetLinkMacAddress("p0", mac);
        Assert.Equal(mac, nl.GetLink("p0").MacAddress);

        nl.SetLinkMaster("p0", "br0");
        Assert.Equal(bridge.Index, nl.GetLink("p0").MasterIndex);
        nl.SetLinkNoMaster("p0");
        Assert.Null(nl.GetLink("p0").MasterIndex);

        var index = nl.GetLink("p0").Index;
        nl.RenameLink("p0", "renamed0");
        Assert.Null(nl.FindLink("p0"));
        Assert.Equal(index, nl.GetLink("renamed0").Index);

        nl.MoveLinkToNamespace("p1", otherNs);
        Assert.Null(nl.FindLink("p1"));
        var moved = Assert.IsType<Veth>(other.GetLink("p1"));
        Assert.NotNull(moved.ParentNamespaceId);
    }
}
