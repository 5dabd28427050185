using System.Net;
using System.Net.Sockets;
using Weft.Linux.Interop;
using Weft.Linux.Links;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Linux.Tests;

[RequiresRoot]
public sealed class AddressRouteTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    [Fact]
    public void Ipv4_and_ipv6_addresses_are_added_listed_replaced_and_deleted()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("ad");
        var d0 = nl.AddLink(new Bridge { Name = "d0", Up = true });

        var v4 = new LinkAddress(d0.Index, IPAddress.Parse("10.9.0.1"), 24);
        var v6 = new LinkAddress(d0.Index, IPAddress.Parse("fd57:7e57::1"), 64) { Flags = AddressFlags.NoDad };
        nl.AddAddress(v4);
        nl.AddAddress(v6);

        var got4 = Assert.Single(nl.ListAddresses(d0.Index, AddressFamily.InterNetwork));
        Assert.Equal(v4.Address, got4.Address);
        Assert.Equal(24, got4.PrefixLength);
        Assert.Equal(RouteScope.Universe, got4.Scope);
        Assert.Equal("d0", got4.Label);

        var got6 = Assert.Single(nl.ListAddresses(d0.Index, AddressFamily.InterNetworkV6), a => !a.Address.IsIPv6LinkLocal);
        Assert.Equal(v6.Address, got6.Address);
        Assert.Equal(64, got6.PrefixLength);
        Assert.True(got6.Flags.HasFlag(AddressFlags.NoDad));
        Assert.False(got6.Flags.HasFlag(AddressFlags.Tentative));

        var again = Assert.Throws<NetlinkException>(() => nl.AddAddress(v4));
        Assert.Equal(Errno.EEXIST, again.Errno);
        nl.ReplaceAddress(v4);
        Assert.Single(nl.ListAddresses(d0.Index, AddressFamily.InterNetwork));

        nl.DeleteAddress(v4);
        nl.DeleteAddress(v6);
        Assert.Empty(nl.ListAddresses(d0.Index, AddressFamily.InterNetwork));
        Assert.DoesNotContain(nl.ListAddresses(d0.Index, AddressFamily.InterNetworkV6), a => a.Address.Equals(v6.Address));
        Assert.Equal(Errno.EADDRNOTAVAIL, Assert.Throws<NetlinkException>(() => nl.DeleteAddress(v4)).Errno);
    }

    [Fact]
    public void Routes_via_gateway_onlink_default_and_per_table_read_back()
    {
        var (_, nl) = _namespaces.CreateWithNetlink("rt");
        // A veth pair with both ends up has carrier, so the kernel treats its routes as usable.
        var d0 = nl.AddLink(new Veth { Name = "d0", PeerName = "d0p", Up = true }).Index;
        nl.SetLinkUp("d0p");
        nl.AddAddress("d0", IPAddress.Parse("10.1.0.1"), 24);
        nl.AddAddress("d0", IPAddress.Parse("fd00:1::1"), 64, AddressFlags.NoDad);
        var gateway = IPAddress.Parse("10.1.0.254");

        var via = new Route { Destination = IPNetwork.Parse("10.2.0.0/16"), Gateway = gateway };
        var onlink = new Route { Destination = IPNetwork.Parse("10.3.0.0/16"), Gateway = IPAddress.Parse("198.19.0.1"), OutputLinkIndex = d0, OnLink = true };
        var dev = new Route { Destination = IPNetwork.Parse("10.4.0.0/16"), OutputLinkIndex = d0, Metric = 50 };
        var byDefault = Route.DefaultVia(gateway);
        var inTable = Route.DefaultVia(gateway, d0) with { Table = 100 };
        var bigTable = new Route { Destination = IPNetwork.Parse("10.5.0.0/16"), OutputLinkIndex = d0, Table = 1000 };
        var v6 = new Route { Destination = IPNetwork.Parse("fd00:2::/64"), Gateway = IPAddress.Parse("fd00:1::2"), OutputLinkIndex = d0 };
        foreach (var route in new[] { via, onlink, dev, byDefault, inTable, bigTable, v6 })
        {
            nl.AddRoute(route);
        }

        // Without onlink, a gateway outside every local subnet is unreachable.
        var unreachable = Assert.Throws<NetlinkException>(() => nl.AddRoute(onlink with { Destination = IPNetwork.Parse("10.6.0.0/16"), OnLink = false }));
        Assert.Equal(Errno.ENETUNREACH, unreachable.Errno);

        var main = nl.ListRoutes(AddressFamily.InterNetwork);
        var gotVia = Assert.Single(main, r => r.Destination == via.Destination);
        Assert.Equal(gateway, gotVia.Gateway);
        Assert.Equal(d0, gotVia.OutputLinkIndex);
        Assert.Equal(RouteTable.Main, gotVia.Table);
        Assert.Equal(RouteScope.Universe, gotVia.Scope);
        Assert.Equal(4, gotVia.Protocol);

        var gotOnlink = Assert.Single(main, r => r.Destination == onlink.Destination);
        Assert.True(gotOnlink.OnLink);
        Assert.Equal(onlink.Gateway, gotOnlink.Gateway);

        var gotDev = Assert.Single(main, r => r.Destination == dev.Destination);
        Assert.Null(gotDev.Gateway);
        Assert.Equal(RouteScope.Link, gotDev.Scope);
        Assert.Equal(50, gotDev.Metric);

        var gotDefault = Assert.Single(main, r => r.Destination.PrefixLength == 0);
        Assert.Equal(gateway, gotDefault.Gateway);
        Assert.DoesNotContain(main, r => r.Destination == bigTable.Destination);

        var table100 = Assert.Single(nl.ListRoutes(AddressFamily.InterNetwork, table: 100));
        Assert.Equal(0, table100.Destination.PrefixLength);
        Assert.Equal(100, table100.Table);
        var table1000 = Assert.Single(nl.ListRoutes(AddressFamily.InterNetwork, table: 1000));
        Assert.Equal(bigTable.Destination, table1000.Destination);
        Assert.Equal(1000, table1000.Table);
        Assert.Contains(nl.ListRoutes(AddressFamily.Unspecified, table: null), r => r.Table == RouteTable.Local);

        var gotV6 = Assert.Single(nl.ListRoutes(AddressFamily.InterNetworkV6), r => r.Destination == v6.Destination);
        Assert.Equal(v6.Gateway, gotV6.Gateway);

        // Replace moves the route to a new gateway; add of the same route fails.
        Assert.Equal(Errno.EEXIST, Assert.Throws<NetlinkException>(() => nl.AddRoute(via)).Errno);
        var moved = via with { Gateway = IPAddress.Parse("10.1.0.253") };
        nl.ReplaceRoute(moved);
        Assert.Equal(moved.Gateway, Assert.Single(nl.ListRoutes(AddressFamily.InterNetwork), r => r.Destination == via.Destination).Gateway);

        // Delete matches on what it is given: the old gateway no longer names a route.
        Assert.Equal(Errno.ESRCH, Assert.Throws<NetlinkException>(() => nl.DeleteRoute(via)).Errno);
        nl.DeleteRoute(moved);
        nl.DeleteRoute(inTable);
        Assert.DoesNotContain(nl.ListRoutes(AddressFamily.InterNetwork), r => r.Destination == via.Destination);
        Assert.Empty(nl.ListRoutes(AddressFamily.InterNetwork, table: 100));
        Assert.Equal(Errno.ESRCH, Assert.Throws<NetlinkException>(() => nl.DeleteRoute(moved)).Errno);
    }
}
