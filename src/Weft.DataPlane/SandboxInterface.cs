using System.Net;
using Weft.Core.Model;
using Weft.Linux;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.DataPlane;

/// <summary>Sets up an endpoint's interface inside its sandbox: name, MAC, MTU, address, default route.</summary>
public static class SandboxInterface
{
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

    private static void BringUpLoopback(NetlinkHandle nl)
    {
        if (nl.FindLink("lo") is { Up: false })
        {
            nl.SetLinkUp("lo");
        }
    }

    public static void Configure(NetworkNamespace sandbox, string currentName, EndpointRecord endpoint, NetworkRecord network, int mtu, bool defaultRoute)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(network);
        using var nl = sandbox.OpenNetlink();
        BringUpLoopback(nl);
        if (currentName != endpoint.InterfaceName && nl.FindLink(endpoint.InterfaceName) is not null)
        {
            // The kernel's EEXIST would name only the temporary interface; say which name is taken, and where.
            throw new NetlinkException(Linux.Interop.Errno.EEXIST, "rename link", $"{currentName} to {endpoint.InterfaceName} in sandbox {sandbox.Name}",
                $"the sandbox already has an interface named {endpoint.InterfaceName}");
        }
        nl.RenameLink(currentName, endpoint.InterfaceName);
        nl.SetLinkMacAddress(endpoint.InterfaceName, endpoint.Mac.ToPhysical());
        nl.SetLinkMtu(endpoint.InterfaceName, mtu);
        var link = nl.GetLink(endpoint.InterfaceName);
        var subnet = endpoint.Address is null ? null : network.Subnets.FirstOrDefault(s => s.Subnet.Contains(endpoint.Address));
        if (endpoint.Address is not null && subnet is not null)
        {
            nl.AddAddress(new LinkAddress(link.Index, endpoint.Address, subnet.Subnet.PrefixLength));
        }
        nl.SetLinkUp(endpoint.InterfaceName);
        if (defaultRoute && !network.Internal && subnet?.Gateway is IPAddress gateway)
        {
            nl.ReplaceRoute(Route.DefaultVia(gateway, link.Index));
        }
    }
}
