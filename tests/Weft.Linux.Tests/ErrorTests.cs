using System.Net;
using System.Net.NetworkInformation;
using Weft.Linux.Interop;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Linux.Tests;

/// <summary>Bad input fails with a typed error that names the object and the errno, and changes nothing.</summary>
[RequiresRoot]
public sealed class ErrorTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    [Fact]
    public void Adding_a_link_that_exists_fails_with_EEXIST()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("er");
        nl.AddLink(new Vxlan { Name = "vxlan0", Vni = 256 });
        var before = LinkNames(nl);

        var e = Assert.Throws<NetlinkException>(() => nl.AddLink(new Vxlan { Name = "vxlan0", Vni = 257 }));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("EEXIST", e.ErrnoName);
        Assert.Equal("add link", e.Operation);
        Assert.Equal("vxlan0", e.ObjectName);
        Assert.StartsWith("add link vxlan0: File exists (EEXIST)", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, LinkNames(nl));
    }

    [Fact]
    public void A_veth_whose_peer_name_is_taken_leaves_neither_end_behind()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("ep");
        var (peerNs, peer) = _namespaces.CreateWithNetlink("eq");
        peer.AddLink(new Bridge { Name = "eth0" });
        var before = LinkNames(nl);
        var peerBefore = LinkNames(peer);

        var e = Assert.Throws<NetlinkException>(() => nl.AddLink(new Veth { Name = "v0", PeerName = "eth0", PeerNamespace = peerNs }));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("v0", e.ObjectName);
        Assert.Equal(before, LinkNames(nl));
        Assert.Equal(peerBefore, LinkNames(peer));
    }

    [Fact]
    public void A_missing_link_fails_with_ENODEV_naming_it()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("em");
        var before = LinkNames(nl);

        var get = Assert.Throws<NetlinkException>(() => nl.GetLink("nosuch0"));
        Assert.Equal(Errno.ENODEV, get.Errno);
        Assert.Equal("ENODEV", get.ErrnoName);
        Assert.Equal("nosuch0", get.ObjectName);
        Assert.Contains("nosuch0: No such device (ENODEV)", get.Message, StringComparison.Ordinal);

        Assert.Equal(Errno.ENODEV, Assert.Throws<NetlinkException>(() => nl.DeleteLink("nosuch0")).Errno);
        Assert.Equal(Errno.ENODEV, Assert.Throws<NetlinkException>(() => nl.SetLinkUp("nosuch0")).Errno);
        var master = Assert.Throws<NetlinkException>(() => nl.SetLinkMaster("lo", "nobridge0"));
        Assert.Equal("nobridge0", master.ObjectName);
        Assert.Null(nl.FindLink("nosuch0"));
        Assert.Equal(before, LinkNames(nl));
    }

    [Fact]
    public void An_mtu_out_of_range_fails_with_EINVAL_and_the_kernels_reason()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("et");
        nl.AddLink(new Veth { Name = "v0", PeerName = "v1", Mtu = 1500 });

        var high = Assert.Throws<NetlinkException>(() => nl.SetLinkMtu("v0", 70000));
        Assert.Equal(Errno.EINVAL, high.Errno);
        Assert.Equal("v0", high.ObjectName);
        Assert.NotNull(high.KernelMessage);
        Assert.Contains("mtu", high.KernelMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(high.KernelMessage!, high.Message, StringComparison.Ordinal);

        var low = Assert.Throws<NetlinkException>(() => nl.SetLinkMtu("v0", 20));
        Assert.Equal(Errno.EINVAL, low.Errno);
        Assert.Equal(1500, nl.GetLink("v0").Mtu);

        var atCreate = Assert.Throws<NetlinkException>(() => nl.AddLink(new Veth { Name = "v2", PeerName = "v3", Mtu = 70000 }));
        Assert.Equal(Errno.EINVAL, atCreate.Errno);
        Assert.Null(nl.FindLink("v2"));
        Assert.Null(nl.FindLink("v3"));
    }

    [Fact]
    public void A_missing_namespace_fails_with_ENOENT_naming_it()
    {
        var name = _namespaces.NameFor("gone");
        var open = Assert.Throws<KernelException>(() => NetworkNamespace.Open(name));
        Assert.Equal(Errno.ENOENT, open.Errno);
        Assert.Equal("ENOENT", open.ErrnoName);
        Assert.Equal(name, open.ObjectName);
        Assert.Equal($"open netns {name}: No such file or directory (ENOENT)", open.Message);

        var delete = Assert.Throws<KernelException>(() => NetworkNamespace.Delete(name));
        Assert.Equal(Errno.ENOENT, delete.Errno);
        Assert.Equal(name, delete.ObjectName);
        Assert.DoesNotContain(name, NetworkNamespace.List());
    }

    [Fact]
    public void Creating_a_namespace_twice_fails_with_EEXIST()
    {
        var ns = _namespaces.Create("dup");
        var e = Assert.Throws<KernelException>(() => NetworkNamespace.Create(ns.Name));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal(ns.Name, e.ObjectName);
        // The first one is untouched.
        using var nl = ns.OpenNetlink();
        Assert.NotNull(nl.GetLink("lo"));
    }

    [Fact]
    public void A_vni_over_24_bits_is_refused_before_anything_is_sent()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("ev");
        var before = LinkNames(nl);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => nl.AddLink(new Vxlan { Name = "vxbig", Vni = Vxlan.MaxVni + 1 }));
        Assert.Contains("vxbig", e.Message, StringComparison.Ordinal);
        Assert.Contains("VNI", e.Message, StringComparison.Ordinal);
        Assert.Equal(1 << 24, e.ActualValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => nl.AddLink(new Vxlan { Name = "vxneg", Vni = -1 }));
        Assert.Equal(before, LinkNames(nl));
    }

    [Fact]
    public void An_invalid_mac_is_refused_by_parser_validation_or_kernel()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("ec");
        nl.AddLink(new Bridge { Name = "d0" });
        var mac = nl.GetLink("d0").MacAddress;
        var before = LinkNames(nl);

        Assert.Throws<FormatException>(() => MacAddresses.Parse("02:42:zz:00:00:01"));
        Assert.Throws<FormatException>(() => MacAddresses.Parse("02:42:00:00:01"));

        // A multicast MAC is a well-formed address the kernel will not give a device.
        var multicast = MacAddresses.Parse("01:00:5e:00:00:01");
        var set = Assert.Throws<NetlinkException>(() => nl.SetLinkMacAddress("d0", multicast));
        Assert.Equal(Errno.EADDRNOTAVAIL, set.Errno);
        Assert.Equal("d0", set.ObjectName);
        Assert.Equal(mac, nl.GetLink("d0").MacAddress);

        var add = Assert.Throws<NetlinkException>(() => nl.AddLink(new Veth { Name = "d1", PeerName = "d1p", MacAddress = multicast }));
        Assert.Equal(Errno.EADDRNOTAVAIL, add.Errno);
        Assert.Equal("d1", add.ObjectName);

        var shortMac = new PhysicalAddress([2, 0, 0, 0, 1]);
        var e = Assert.Throws<ArgumentException>(() => nl.AddLink(new Bridge { Name = "d2", MacAddress = shortMac }));
        Assert.Contains("d2", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => nl.AddFdb(new FdbEntry(1, shortMac) { Destination = IPAddress.Parse("198.18.0.2") }));
        Assert.Equal(before, LinkNames(nl));
    }

    [Fact]
    public void Invalid_interface_names_are_refused_before_sending()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("en");
        var before = LinkNames(nl);
        Assert.Throws<ArgumentException>(() => nl.AddLink(new Bridge { Name = "this-name-is-too-long" }));
        Assert.Throws<ArgumentException>(() => nl.AddLink(new Bridge { Name = "a/b" }));
        Assert.Throws<ArgumentException>(() => nl.AddLink(new Veth { Name = "v0" }));
        Assert.Equal(before, LinkNames(nl));
    }

    private static List<string> LinkNames(NetlinkHandle nl) => nl.ListLinks().Select(l => l.Name).Order(StringComparer.Ordinal).ToList();
}
