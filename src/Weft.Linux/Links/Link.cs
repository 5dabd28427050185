using System.Net;
using System.Net.NetworkInformation;
using Weft.Linux.Namespaces;

namespace Weft.Linux.Links;

/// <summary>IFF_* device flags as the kernel reports them (linux/if.h).</summary>
[Flags]
public enum LinkFlags : uint
{
    None = 0,
    Up = 0x1,
    Broadcast = 0x2,
    Loopback = 0x8,
    PointToPoint = 0x10,
    Running = 0x40,
    NoArp = 0x80,
    Promiscuous = 0x100,
    AllMulticast = 0x200,
    Master = 0x400,
    Slave = 0x800,
    Multicast = 0x1000,
    LowerUp = 0x10000,
    Dormant = 0x20000,
}

/// <summary>
/// A network device. Subtypes carry the attributes of one kind (veth, bridge, vxlan, dummy), in the
/// spirit of vishvananda/netlink. The same records describe what to create and what was read back:
/// fields such as <see cref="Index"/> and <see cref="Flags"/> are filled in only by reads.
/// </summary>
public abstract record Link
{
    /// <summary>Kernel interface names are at most 15 bytes (IFNAMSIZ - 1).</summary>
    public const int MaxNameLength = 15;

    public required string Name { get; init; }

    /// <summary>The interface index; read back, ignored on add.</summary>
    public int Index { get; init; }

    public int? Mtu { get; init; }

    public PhysicalAddress? MacAddress { get; init; }

    /// <summary>Index of the bridge this link is enslaved to, if any.</summary>
    public int? MasterIndex { get; init; }

    public int? TxQueueLength { get; init; }

    /// <summary>IFF_* flags; on add only <see cref="LinkFlags.Up"/> is applied.</summary>
    public LinkFlags Flags { get; init; }

    /// <summary>Whether the link is administratively up (IFF_UP).</summary>
    public bool Up
    {
        get => (Flags & LinkFlags.Up) != 0;
        init => Flags = value ? Flags | LinkFlags.Up : Flags & ~LinkFlags.Up;
    }

    /// <summary>IFLA_LINK as read back: the peer of a veth, the lower device of others.</summary>
    public int? ParentIndex { get; init; }

    /// <summary>IFLA_LINK_NETNSID: set when <see cref="ParentIndex"/> lives in another namespace.</summary>
    public int? ParentNamespaceId { get; init; }

    /// <summary>The IFLA_INFO_KIND string, such as "vxlan"; empty for plain devices such as loopback.</summary>
    public abstract string Kind { get; }
}

/// <summary>A veth pair. The peer may be created straight inside another namespace.</summary>
public sealed record Veth : Link
{
    public override string Kind => "veth";

    /// <summary>The peer's name; required on add. Not reported back by the kernel.</summary>
    public string? PeerName { get; init; }

    /// <summary>Where to create the peer (IFLA_NET_NS_FD); null for the handle's own namespace.</summary>
    public NetworkNamespace? PeerNamespace { get; init; }

    public PhysicalAddress? PeerMacAddress { get; init; }
}

/// <summary>A Linux bridge.</summary>
public sealed record Bridge : Link
{
    public override string Kind => "bridge";
}

/// <summary>A dummy device: a link that goes nowhere, handy as an underlay stand-in.</summary>
public sealed record Dummy : Link
{
    public override string Kind => "dummy";
}

/// <summary>Low and high UDP source port of VXLAN packets (IFLA_VXLAN_PORT_RANGE), inclusive.</summary>
public readonly record struct PortRange(int Low, int High);

/// <summary>
/// A VXLAN device (RFC 7348). Defaults fit Weft's data plane: no learning, static FDB entries only.
/// </summary>
public sealed record Vxlan : Link
{
    /// <summary>The largest VNI: the field is 24 bits wide.</summary>
    public const int MaxVni = (1 << 24) - 1;

    /// <summary>The IANA port for VXLAN.</summary>
    public const int DefaultPort = 4789;

    public override string Kind => "vxlan";

    public required int Vni { get; init; }

    /// <summary>The source (VTEP) address, IPv4 or IPv6.</summary>
    public IPAddress? Local { get; init; }

    /// <summary>The multicast group or default remote; null for a pure static-FDB device.</summary>
    public IPAddress? Group { get; init; }

    /// <summary>The underlay device (IFLA_VXLAN_LINK) by index, in the namespace the device was created in.</summary>
    public int? UnderlayIndex { get; init; }

    public int Port { get; init; } = DefaultPort;

    public PortRange? SourcePorts { get; init; }

    public bool Learning { get; init; }

    /// <summary>Answer ARP/ND from the neighbour table instead of flooding it (IFLA_VXLAN_PROXY).</summary>
    public bool Proxy { get; init; }

    /// <summary>Outer TTL; null or 0 means inherit the route's default.</summary>
    public int? Ttl { get; init; }

    public bool L2Miss { get; init; }

    public bool L3Miss { get; init; }

    /// <summary>Seconds before learned entries age out; read back, optional on add.</summary>
    public int? Ageing { get; init; }
}

/// <summary>A link of a kind Weft has no type for, or a plain device (loopback, physical NIC).</summary>
public sealed record GenericLink : Link
{
    public string LinkKind { get; init; } = "";

    public override string Kind => LinkKind;
}
