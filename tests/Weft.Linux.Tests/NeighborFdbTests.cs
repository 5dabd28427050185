using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Weft.Linux.Interop;
using Weft.Linux.Links;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Linux.Tests;

[RequiresRoot]
public sealed class NeighborFdbTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    [Fact]
    public void Permanent_and_proxy_neighbors_are_added_replaced_listed_and_deleted()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("nb");
        var vx = nl.AddLink(new Vxlan { Name = "vxlan0", Vni = 256, Proxy = true, Up = true }).Index;
        var ip = IPAddress.Parse("10.0.10.3");
        var mac = MacAddresses.Parse("02:42:0a:00:0a:03");
        nl.AddNeighbor(new Neighbor(vx, ip) { MacAddress = mac });
        nl.AddNeighbor(new Neighbor(vx, IPAddress.Parse("fd00::3")) { MacAddress = mac });

        var got = Assert.Single(nl.ListNeighbors(vx, AddressFamily.InterNetwork));
        Assert.Equal(new Neighbor(vx, ip) { MacAddress = mac, State = NeighborState.Permanent }, got);
        Assert.Contains(nl.ListNeighbors(vx, AddressFamily.InterNetworkV6), n => n.Address.Equals(IPAddress.Parse("fd00::3")) && n.State == NeighborState.Permanent);

        Assert.Equal(Errno.EEXIST, Assert.Throws<NetlinkException>(() => nl.AddNeighbor(new Neighbor(vx, ip) { MacAddress = mac })).Errno);
        var moved = MacAddresses.Parse("02:42:0a:00:0a:33");
        nl.ReplaceNeighbor(new Neighbor(vx, ip) { MacAddress = moved });
        Assert.Equal(moved, Assert.Single(nl.ListNeighbors(vx, AddressFamily.InterNetwork)).MacAddress);

        var proxy = new Neighbor(vx, IPAddress.Parse("10.0.10.9")) { Flags = NeighborFlags.Proxy };
        nl.AddNeighbor(proxy);
        var gotProxy = Assert.Single(nl.ListNeighbors(vx, AddressFamily.InterNetwork, proxies: true));
        Assert.Equal(proxy.Address, gotProxy.Address);
        Assert.True(gotProxy.Flags.HasFlag(NeighborFlags.Proxy));
        Assert.DoesNotContain(nl.ListNeighbors(vx, AddressFamily.InterNetwork), n => n.Address.Equals(proxy.Address));

        nl.DeleteNeighbor(proxy);
        nl.DeleteNeighbor(new Neighbor(vx, ip));
        Assert.Empty(nl.ListNeighbors(vx, AddressFamily.InterNetwork));
        Assert.Empty(nl.ListNeighbors(vx, AddressFamily.InterNetwork, proxies: true));
        Assert.Equal(Errno.ENOENT, Assert.Throws<NetlinkException>(() => nl.DeleteNeighbor(new Neighbor(vx, ip))).Errno);
    }

    [Fact]
    public void Fdb_entry_on_vxlan_is_added_and_replace_moves_its_destination()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("fd");
        var bridge = nl.AddLink(new Bridge { Name = "br0", Up = true });
        var vx = nl.AddLink(new Vxlan { Name = "vxlan0", Vni = 256, MasterIndex = bridge.Index, Up = true }).Index;
        var mac = MacAddresses.Parse("02:42:0a:00:0a:03");
        var entry = new FdbEntry(vx, mac) { Destination = IPAddress.Parse("198.18.0.2") };
        nl.AddFdb(entry);

        var own = OwnEntries(nl, vx);
        Assert.Equal(entry, Assert.Single(own));
        // The bridge's own entries for its vxlan port come along, told apart by NDA_MASTER.
        var fromBridge = nl.ListFdb(vx).Except(own).ToList();
        Assert.NotEmpty(fromBridge);
        Assert.All(fromBridge, e => Assert.Equal(bridge.Index, e.MasterIndex));

        var add = Assert.Throws<NetlinkException>(() => nl.AddFdb(entry with { Destination = IPAddress.Parse("198.18.0.3") }));
        Assert.Equal(Errno.EEXIST, add.Errno);
        Assert.Contains("02:42:0a:00:0a:03", add.ObjectName, StringComparison.Ordinal);

        var replaced = entry with { Destination = IPAddress.Parse("198.18.0.3") };
        nl.ReplaceFdb(replaced);
        Assert.Equal(replaced, Assert.Single(OwnEntries(nl, vx)));

        nl.DeleteFdb(replaced);
        Assert.Empty(OwnEntries(nl, vx));
        Assert.Equal(Errno.ENOENT, Assert.Throws<NetlinkException>(() => nl.DeleteFdb(replaced)).Errno);
    }

    [Fact]
    public void A_pipelined_batch_installs_thousands_and_pins_each_failure_on_its_entry()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("bt");
        var vx = nl.AddLink(new Vxlan { Name = "vxlan0", Vni = 300, Up = true }).Index;
        const int count = 2000;
        var existing = new FdbEntry(vx, Mac(17)) { Destination = IPAddress.Parse("198.18.9.9") };
        nl.AddFdb(existing);

        var batch = nl.CreateBatch(window: 128);
        for (var i = 0; i < count; i++)
        {
            batch.AddFdb(new FdbEntry(vx, Mac(i)) { Destination = Remote(i) });
            batch.ReplaceNeighbor(new Neighbor(vx, Overlay(i)) { MacAddress = Mac(i) });
        }

        var result = batch.Complete();
        Assert.Equal(2 * count, result.Submitted);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(Errno.EEXIST, failure.Errno);
        Assert.Equal("add fdb entry", failure.Operation);
        Assert.Contains(Mac(17).ToText(), failure.ObjectName, StringComparison.Ordinal);
        Assert.Throws<NetlinkException>(result.ThrowIfFailed);

        var fdb = OwnEntries(nl, vx);
        Assert.Equal(count, fdb.Count);
        Assert.Equal(existing.Destination, fdb.Single(e => e.MacAddress.Equals(Mac(17))).Destination);
        Assert.Equal(Remote(1234), fdb.Single(e => e.MacAddress.Equals(Mac(1234))).Destination);
        var neighbors = nl.ListNeighbors(vx, AddressFamily.InterNetwork);
        Assert.Equal(count, neighbors.Count);
        Assert.Equal(Mac(1999), neighbors.Single(n => n.Address.Equals(Overlay(1999))).MacAddress);

        var removal = nl.CreateBatch();
        for (var i = 0; i < count; i++)
        {
            removal.DeleteFdb(new FdbEntry(vx, Mac(i)));
            removal.DeleteNeighbor(new Neighbor(vx, Overlay(i)));
        }

        Assert.Empty(removal.Complete().Failures);
        Assert.Empty(OwnEntries(nl, vx));
        Assert.Empty(nl.ListNeighbors(vx, AddressFamily.InterNetwork));
    }

    private static List<FdbEntry> OwnEntries(NetlinkHandle nl, int vx) =>
        nl.ListFdb(vx).Where(e => e.Flags.HasFlag(NeighborFlags.Self) && e.Destination is not null).ToList();

    private static PhysicalAddress Mac(int i) => new([0x02, 0x00, 0x00, 0x01, (byte)(i >> 8), (byte)i]);

    private static IPAddress Remote(int i) => new([198, 18, (byte)(1 + (i >> 8)), (byte)i]);

    private static IPAddress Overlay(int i) => new([10, 20, (byte)(i >> 8), (byte)i]);
}
