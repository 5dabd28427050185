using System.Net;
using System.Net.Sockets;

namespace Weft.Linux.Routing;

/// <summary>Well-known routing tables (enum rt_class_t); any other number up to 2^32-1 is a custom table.</summary>
public static class RouteTable
{
    public const int Default = 253;
    public const int Main = 254;
    public const int Local = 255;
}

/// <summary>rtm_type values (RTN_*).</summary>
public enum RouteType : byte
{
    Unspecified = 0,
    Unicast = 1,
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
}

/// <summary>
/// A route. <see cref="Destination"/> 0.0.0.0/0 (or ::/0) is the default route. Without a gateway the
/// route is on-link through <see cref="OutputLinkIndex"/>; <see cref="OnLink"/> forces a gateway that is
/// outside every local subnet to be treated as directly reachable.
/// </summary>
public sealed record Route
{
    public required IPNetwork Destination { get; init; }

    public IPAddress? Gateway { get; init; }

    public int? OutputLinkIndex { get; init; }

    public int Table { get; init; } = RouteTable.Main;

    public bool OnLink { get; init; }

    /// <summary>Null picks what iproute2 picks: link scope without a gateway, universe with one.</summary>
    public RouteScope? Scope { get; init; }

    public int? Metric { get; init; }

    public IPAddress? PreferredSource { get; init; }

    /// <summary>rtm_protocol: who installed the route. Weft's own routes say static (4).</summary>
    public byte Protocol { get; init; } = 4;

    public RouteType Type { get; init; } = RouteType.Unicast;

    public AddressFamily Family => Destination.BaseAddress.AddressFamily;

    public static Route DefaultVia(IPAddress gateway, int? outputLinkIndex = null) => new()
    {
        Destination = gateway.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPNetwork(IPAddress.IPv6Any, 0)
            : new IPNetwork(IPAddress.Any, 0),
        Gateway = gateway,
        OutputLinkIndex = outputLinkIndex,
    };

    public override string ToString() =>
        $"{Destination}{(Gateway is null ? "" : $" via {Gateway}")}{(OutputLinkIndex is null ? "" : $" dev #{OutputLinkIndex}")}{(OnLink ? " onlink" : "")} table {Table}";
}
