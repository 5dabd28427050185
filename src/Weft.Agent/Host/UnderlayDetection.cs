using System.Net.Sockets;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Routing;

namespace Weft.Agent.Host;

/// <summary>Finds this host's side of the underlay in the kernel.</summary>
public static class UnderlayDetection
{
    /// <summary>
    /// Finds the device holding <paramref name="advertise"/>, or, without one, the device of the default route
    /// and its first IPv4 address. Errors name what is missing, since the agent cannot work without it.
    /// </summary>
    public static Underlay Detect(string? advertise)
    {
        using var nl = NetlinkHandle.Open();
        var addresses = nl.ListAddresses(family: AddressFamily.InterNetwork);
        LinkAddress? chosen;
        if (advertise is not null)
        {
            var wanted = IpAddressText.Parse(advertise);
            chosen = addresses.FirstOrDefault(a => a.Address.Equals(wanted))
                ?? throw new InvalidOperationException($"--advertise-addr {advertise} is not an address of this host");
        }
        else
        {
            var defaultRoute = nl.ListRoutes(AddressFamily.InterNetwork).FirstOrDefault(r => r.Destination.PrefixLength == 0 && r.OutputLinkIndex is not null)
                ?? throw new InvalidOperationException("this host has no IPv4 default route to pick the underlay address from; pass --advertise-addr");
            chosen = addresses.FirstOrDefault(a => a.LinkIndex == defaultRoute.OutputLinkIndex)
                ?? throw new InvalidOperationException("the default route's device has no IPv4 address; pass --advertise-addr");
        }
        var link = nl.GetLink(chosen.LinkIndex);
        // The routes through Weft's own devices (a bridge network's bridge, an overlay's uplink) are left out: those subnets
        // are networks of the cluster already, and a route published for one would refuse its subnet to any later network
        // long after the network was removed.
        var weftBridges = nl.ListLinks()
            .Where(l => l.Name.StartsWith(KernelNames.LocalBridgePrefix, StringComparison.Ordinal) || l.Name.StartsWith(KernelNames.UplinkPrefix, StringComparison.Ordinal))
            .Select(l => l.Index).ToHashSet();
        var routes = nl.ListRoutes(AddressFamily.InterNetwork)
            .Where(r => r.Destination.PrefixLength > 0 && !(r.OutputLinkIndex is { } link && weftBridges.Contains(link)))
            .Select(r => IpNetwork.FromSystemNetwork(r.Destination))
            .Distinct()
            .ToList();
        return new Underlay(chosen.Address, link.Name, link.Mtu ?? 1500, routes);
    }
}
