using System.Net;
using Weft.Core.Model;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.DataPlane;

/// <summary>
/// The sandbox side of an endpoint's interface: its name, MAC, MTU, address and default route, set up when it is plugged
/// in (<see cref="Configure"/>) and held there afterwards (<see cref="Ensure"/>).
/// </summary>
public static class SandboxInterface
{
    /// <summary>The kernel's own protocol number for the prefix route an address brings (RTPROT_KERNEL).</summary>
    private const byte KernelProtocol = 2;

    /// <summary>
    /// Brings up a fresh sandbox namespace's loopback, which the kernel creates down and without 127.0.0.1: a sandbox
    /// on no network, or on a null one, still has a working loopback, as Docker's `--network none` does.
    /// </summary>
    public static void BringUpLoopback(NetworkNamespace sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        using var nl = sandbox.OpenNetlink();
        BringUpLoopback(nl);
    }

    private static int BringUpLoopback(NetlinkHandle nl)
    {
        if (nl.FindLink("lo") is { Up: false })
        {
            nl.SetLinkUp("lo");
            return 1;
        }
        return 0;
    }

    /// <summary>Renames a freshly plugged-in interface to the endpoint's name and sets it up (<see cref="Ensure"/>).</summary>
    public static void Configure(NetworkNamespace sandbox, string currentName, EndpointRecord endpoint, NetworkRecord network, int mtu, bool defaultRoute)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(network);
        using var nl = sandbox.OpenNetlink();
        if (currentName != endpoint.InterfaceName && nl.FindLink(endpoint.InterfaceName) is not null)
        {
            // The kernel's EEXIST would name only the temporary interface; say which name is taken, and where.
            throw new NetlinkException(Linux.Interop.Errno.EEXIST, "rename link", $"{currentName} to {endpoint.InterfaceName} in sandbox {sandbox.Name}",
                $"the sandbox already has an interface named {endpoint.InterfaceName}");
        }
        nl.RenameLink(currentName, endpoint.InterfaceName);
        EnsureLink(nl, nl.GetLink(endpoint.InterfaceName), endpoint, network, mtu, defaultRoute);
    }

    /// <summary>
    /// Puts back what differs on the endpoint's interface in its sandbox, as a user or a process in it may have changed it:
    /// up, MAC, MTU, exactly the endpoint's address among the network's subnets (with the prefix route the address
    /// brings), and the default route through the gateway when this interface carries it. Addresses and routes outside
    /// the network are the sandbox's own business and stay.
    /// </summary>
    /// <param name="peerIndex">The index of the host end of the endpoint's veth: the sandbox's interface must be its peer.</param>
    /// <returns>What was changed; null when the sandbox has no such interface, or one that is not the endpoint's veth.</returns>
    public static ApplyResult? Ensure(NetworkNamespace sandbox, int peerIndex, EndpointRecord endpoint, NetworkRecord network, int mtu, bool defaultRoute)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(network);
        using var nl = sandbox.OpenNetlink();
        return nl.FindLink(endpoint.InterfaceName) is Veth link && link.ParentIndex == peerIndex
            ? EnsureLink(nl, link, endpoint, network, mtu, defaultRoute)
            : null;
    }

    private static ApplyResult EnsureLink(NetlinkHandle nl, Link link, EndpointRecord endpoint, NetworkRecord network, int mtu, bool defaultRoute)
    {
        var changed = BringUpLoopback(nl);
        var mac = endpoint.Mac.ToPhysical();
        if (link.MacAddress is null || !link.MacAddress.Equals(mac))
        {
            nl.SetLinkMacAddress(link.Name, mac);
            changed++;
        }
        if (link.Mtu != mtu)
        {
            nl.SetLinkMtu(link.Name, mtu);
            changed++;
        }
        // Up before the route: the kernel refuses a gateway on a link that is down.
        if (!link.Up)
        {
            nl.SetLinkUp(link.Name);
            changed++;
        }
        var removed = 0;
        var subnet = endpoint.Address is null ? null : network.Subnets.FirstOrDefault(s => s.Subnet.Contains(endpoint.Address));
        var held = nl.ListAddresses(link.Index).Where(a => network.Subnets.Any(s => s.Subnet.Contains(a.Address))).ToList();
        foreach (var stray in held.Where(a => subnet is null || !a.Address.Equals(endpoint.Address) || a.PrefixLength != subnet.Subnet.PrefixLength))
        {
            // Another address of the network would answer for some other endpoint's; a wrong prefix misroutes.
            nl.DeleteAddress(stray);
            removed++;
        }
        if (endpoint.Address is not null && subnet is not null)
        {
            if (held.Count - removed == 0)
            {
                nl.AddAddress(new LinkAddress(link.Index, endpoint.Address, subnet.Subnet.PrefixLength));
                changed++;
            }
            else
            {
                changed += EnsurePrefixRoute(nl, link.Index, endpoint.Address, subnet.Subnet);
            }
        }
        if (defaultRoute && !network.Internal && subnet?.Gateway is IPAddress gateway)
        {
            var routes = nl.ListRoutes(gateway.AddressFamily);
            if (!routes.Any(r => r.Destination.PrefixLength == 0 && gateway.Equals(r.Gateway) && r.OutputLinkIndex == link.Index && (r.Metric ?? 0) == 0))
            {
                nl.ReplaceRoute(Route.DefaultVia(gateway, link.Index));
                changed++;
            }
        }
        return new ApplyResult(changed, removed);
    }

    /// <summary>The route to the subnet that adding the address made, should someone have deleted it alone.</summary>
    private static int EnsurePrefixRoute(NetlinkHandle nl, int linkIndex, IPAddress address, Core.Addressing.IpNetwork subnet)
    {
        var destination = subnet.ToSystemNetwork();
        if (nl.ListRoutes(address.AddressFamily).Any(r => r.Destination.Equals(destination) && r.OutputLinkIndex == linkIndex))
        {
            return 0;
        }
        nl.ReplaceRoute(new Route
        {
            Destination = destination,
            OutputLinkIndex = linkIndex,
            Scope = RouteScope.Link,
            PreferredSource = address,
            Protocol = KernelProtocol,
        });
        return 1;
    }
}
