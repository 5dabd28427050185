using System.Net;
using System.Net.Sockets;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.DataPlane;

/// <summary>
/// An overlay network's way out of its namespace: a veth pair, "uplink" in the network's namespace and
/// <c>wu-</c>+hash in the host's, routed (not bridged, unlike Docker's docker_gwbridge, so no second interface appears
/// in the sandbox). The network namespace routes everything off its subnet to the host; the host routes the subnet back
/// into the uplink, which is also what lets a DNAT in the host's namespace (a published port, CNI's portmap) reach a
/// sandbox. Both ends use the same two link-local /32s on every network: each pair is a separate link, so they never meet.
/// </summary>
internal static class Uplinks
{
    /// <summary>The host end's address: the network namespace's default gateway.</summary>
    public static readonly IPAddress HostSide = IPAddress.Parse("169.254.31.1");

    /// <summary>The network namespace end's address: the host's next hop to the network's subnets.</summary>
    public static readonly IPAddress NetworkSide = IPAddress.Parse("169.254.31.2");

    /// <summary>Makes the network's uplink match it: present with its addresses and routes, or absent for an internal network.</summary>
    public static ApplyResult Ensure(NetworkNamespace ns, NetlinkHandle nl, NetworkRecord network, int mtu)
    {
        var inside = nl.FindLink(KernelNames.UplinkNetworkSideName);
        if (network.Internal)
        {
            if (inside is null)
            {
                return default;
            }
            nl.DeleteLink(inside.Name); // its host end goes with it
            return new ApplyResult(0, 1);
        }
        var hostName = KernelNames.UplinkHostName(network.Id);
        using var hostNl = NetlinkHandle.Open();
        var outside = hostNl.FindLink(hostName);
        var added = 0;
        if (inside is null || outside is null)
        {
            // Half a pair cannot be (deleting one end deletes both); a stray end of another pair with our name can.
            if (inside is not null)
            {
                nl.DeleteLink(inside.Name);
            }
            if (outside is not null)
            {
                hostNl.DeleteLink(hostName);
            }
            using var hostNs = NetworkNamespace.OpenCurrent();
            nl.AddLink(new Veth { Name = KernelNames.UplinkNetworkSideName, Mtu = mtu, PeerName = hostName, PeerNamespace = hostNs });
            hostNl.SetLinkMtu(hostName, mtu);
            added++;
        }
        added += EnsureEnd(nl, KernelNames.UplinkNetworkSideName, mtu, NetworkSide,
            [new Route { Destination = new IPNetwork(IPAddress.Any, 0), Gateway = HostSide, OnLink = true }]);
        added += EnsureEnd(hostNl, hostName, mtu, HostSide,
            [.. network.Subnets.Where(s => s.Subnet.Family == AddressFamily.InterNetwork)
                .Select(s => new Route { Destination = s.Subnet.ToSystemNetwork(), Gateway = NetworkSide, OnLink = true })]);
        if (ns.ReadSysctl("net.ipv4.ip_forward").Trim() != "1")
        {
            // The network's namespace routes between br0 and the uplink.
            ns.WriteSysctl("net.ipv4.ip_forward", "1");
        }
        return new ApplyResult(added, 0);
    }

    /// <summary>One end: up, with the right MTU, exactly <paramref name="address"/>/32, and <paramref name="routes"/> through it.</summary>
    private static int EnsureEnd(NetlinkHandle nl, string name, int mtu, IPAddress address, IReadOnlyList<Route> routes)
    {
        var added = 0;
        var link = nl.GetLink(name);
        if (link.Mtu != mtu)
        {
            nl.SetLinkMtu(name, mtu);
        }
        var addresses = nl.ListAddresses(link.Index, AddressFamily.InterNetwork);
        foreach (var stray in addresses.Where(a => !(a.Address.Equals(address) && a.PrefixLength == 32)))
        {
            nl.DeleteAddress(stray);
        }
        if (!addresses.Any(a => a.Address.Equals(address) && a.PrefixLength == 32))
        {
            nl.AddAddress(new LinkAddress(link.Index, address, 32));
            added++;
        }
        if (!link.Up)
        {
            nl.SetLinkUp(name);
        }
        var have = nl.ListRoutes(AddressFamily.InterNetwork).Where(r => r.OutputLinkIndex == link.Index).ToList();
        foreach (var route in routes.Select(r => r with { OutputLinkIndex = link.Index }))
        {
            if (!have.Any(r => r.Destination.Equals(route.Destination) && Equals(r.Gateway, route.Gateway)))
            {
                nl.ReplaceRoute(route);
                added++;
            }
        }
        return added;
    }
}
