using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;

namespace Weft.Core.Ipam;

/// <summary>What makes a subnet, its gateway and its IP range usable for a container network.</summary>
public static class SubnetRules
{
    /// <summary>
    /// Blocks no container network may use: packets to them never reach a bridge (loopback,
    /// multicast, link-local, "this network", reserved/broadcast, IPv4-mapped).
    /// </summary>
    private static readonly (IpNetwork Block, string What)[] SpecialBlocks =
    [
        (IpNetwork.Parse("0.0.0.0/8"), "\"this network\""),
        (IpNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IpNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IpNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IpNetwork.Parse("240.0.0.0/4"), "reserved and broadcast"),
        (IpNetwork.Parse("::/128"), "unspecified"),
        (IpNetwork.Parse("::1/128"), "loopback"),
        (IpNetwork.Parse("::ffff:0:0/96"), "IPv4-mapped"),
        (IpNetwork.Parse("fe80::/10"), "link-local"),
        (IpNetwork.Parse("ff00::/8"), "multicast"),
    ];

    /// <summary>The gateway Weft picks when none is given: the first usable address, as Docker does.</summary>
    public static IPAddress DefaultGateway(IpNetwork subnet) => subnet.FirstUsable;

    /// <summary>The largest IPv4 prefix that still fits a gateway and one endpoint (/30: network, gateway, endpoint, broadcast).</summary>
    public const int MaxIPv4PrefixWithGateway = 30;

    /// <summary>The IPv6 equivalent: /126 leaves the anycast address, a gateway and two endpoints.</summary>
    public const int MaxIPv6PrefixWithGateway = 126;

    /// <exception cref="WeftValidationException">invalid-subnet, invalid-gateway or invalid-ip-range, naming the value.</exception>
    public static void Validate(SubnetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ValidateSubnet(config.Subnet);
        if (config.Gateway is { } gateway)
        {
            ValidateGateway(config.Subnet, gateway);
        }

        if (config.IPRange is { } range)
        {
            ValidateIPRange(config.Subnet, range, config.Gateway);
        }
    }

    public static void ValidateSubnet(IpNetwork subnet)
    {
        foreach (var (block, what) in SpecialBlocks)
        {
            if (block.Overlaps(subnet))
            {
                throw new WeftValidationException(ErrorCodes.InvalidSubnet, $"subnet {subnet} overlaps {block} ({what} addresses), which cannot carry a container network");
            }
        }
    }

    /// <summary>
    /// Refuses a new network's subnet that is too small for a gateway and one endpoint (IPv4 /31 and /32, IPv6 /127 and
    /// /128): such a network has no gateway, so no DNS and no way out, and Weft builds no point-to-point links. Only for
    /// new networks: the address pools of stored ones keep working.
    /// </summary>
    /// <exception cref="WeftValidationException">invalid-subnet, naming the subnet and its size.</exception>
    public static void EnsureRoomForGateway(IpNetwork subnet)
    {
        var maxPrefix = subnet.IsIPv6 ? MaxIPv6PrefixWithGateway : MaxIPv4PrefixWithGateway;
        if (subnet.PrefixLength > maxPrefix)
        {
            throw new WeftValidationException(ErrorCodes.InvalidSubnet,
                $"subnet {subnet} is too small for a container network: it holds {subnet.AddressCount} address(es), no room for a gateway (which also answers DNS) and an endpoint; use a /{maxPrefix} or larger");
        }
    }

    public static void ValidateGateway(IpNetwork subnet, IPAddress gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        if (!subnet.Contains(gateway))
        {
            throw new WeftValidationException(ErrorCodes.InvalidGateway, $"gateway {gateway} is not in subnet {subnet}");
        }

        var maxPrefix = subnet.IsIPv6 ? MaxIPv6PrefixWithGateway : MaxIPv4PrefixWithGateway;
        if (subnet.PrefixLength > maxPrefix)
        {
            throw new WeftValidationException(ErrorCodes.InvalidGateway, $"subnet {subnet} has no room for gateway {gateway} and endpoints; use a /{maxPrefix} or larger, or no gateway");
        }

        if (subnet.IsReservedAddress(gateway))
        {
            var which = IpAddressMath.ToUInt128(gateway) == subnet.Start ? "network" : "broadcast";
            throw new WeftValidationException(ErrorCodes.InvalidGateway, $"gateway {gateway} is the {which} address of {subnet}; use an address between {subnet.FirstUsable} and {subnet.LastUsable}");
        }
    }

    public static void ValidateIPRange(IpNetwork subnet, IpNetwork range, IPAddress? gateway)
    {
        if (!subnet.Contains(range))
        {
            throw new WeftValidationException(ErrorCodes.InvalidIPRange, $"ip range {range} is not inside subnet {subnet}");
        }

        if (new AddressPool(subnet, gateway, range).Capacity == UInt128.Zero)
        {
            throw new WeftValidationException(ErrorCodes.InvalidIPRange, $"ip range {range} leaves no address to allocate in {subnet} (it holds only reserved or gateway addresses)");
        }
    }

    /// <summary>
    /// Checks that the subnets of one network do not overlap each other, and that none overlaps a
    /// subnet of another network.
    /// </summary>
    /// <param name="otherNetworks">Networks to compare with; one with <paramref name="networkId"/> is skipped, so an update can be checked.</param>
    public static void EnsureNoOverlap(string networkId, IReadOnlyList<SubnetConfig> subnets, IEnumerable<NetworkRecord> otherNetworks)
    {
        ArgumentNullException.ThrowIfNull(subnets);
        ArgumentNullException.ThrowIfNull(otherNetworks);
        for (var i = 0; i < subnets.Count; i++)
        {
            for (var j = i + 1; j < subnets.Count; j++)
            {
                if (subnets[i].Subnet.Overlaps(subnets[j].Subnet))
                {
                    throw new WeftValidationException(ErrorCodes.Overlap, $"subnet {subnets[j].Subnet} overlaps subnet {subnets[i].Subnet} of the same network");
                }
            }
        }

        foreach (var other in otherNetworks)
        {
            if (other.Id == networkId)
            {
                continue;
            }

            foreach (var mine in subnets)
            {
                foreach (var theirs in other.Subnets)
                {
                    if (mine.Subnet.Overlaps(theirs.Subnet))
                    {
                        throw new WeftValidationException(ErrorCodes.Overlap, $"subnet {mine.Subnet} overlaps subnet {theirs.Subnet} of network '{other.Name}'");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Checks that no subnet overlaps a route of any host (the underlay's own included): sandboxes would be handed the
    /// addresses of whatever the route leads to, the hosts' own VTEPs among them, and the host could no longer reach it.
    /// Default routes are left out: they overlap everything and say nothing.
    /// </summary>
    /// <exception cref="WeftValidationException">overlap, naming the subnet, the route and its host.</exception>
    public static void EnsureNoHostRouteOverlap(IReadOnlyList<SubnetConfig> subnets, IEnumerable<HostRoute> hostRoutes)
    {
        ArgumentNullException.ThrowIfNull(subnets);
        ArgumentNullException.ThrowIfNull(hostRoutes);
        var routes = hostRoutes.Where(r => r.Destination.PrefixLength > 0).ToList();
        foreach (var mine in subnets)
        {
            if (routes.FirstOrDefault(r => r.Destination.Overlaps(mine.Subnet)) is { } route)
            {
                throw new WeftValidationException(ErrorCodes.Overlap, $"subnet {mine.Subnet} overlaps route {route.Destination} of host '{route.Host}'; choose a subnet no host routes");
            }
        }
    }

    /// <summary>The first of <paramref name="others"/> that shares an address with <paramref name="subnet"/>, or null.</summary>
    public static IpNetwork? FindOverlap(IpNetwork subnet, IEnumerable<IpNetwork> others)
    {
        ArgumentNullException.ThrowIfNull(others);
        foreach (var other in others)
        {
            if (other.Overlaps(subnet))
            {
                return other;
            }
        }

        return null;
    }
}
