using System.Net;
using System.Net.NetworkInformation;

namespace Weft.Linux.Routing;

/// <summary>NUD_* neighbour states (linux/neighbour.h). Weft installs Permanent entries only.</summary>
[Flags]
public enum NeighborState : ushort
{
    None = 0,
    Incomplete = 0x01,
    Reachable = 0x02,
    Stale = 0x04,
    Delay = 0x08,
    Probe = 0x10,
    Failed = 0x20,
    NoArp = 0x40,
    Permanent = 0x80,
}

/// <summary>NTF_* neighbour and FDB flags (linux/neighbour.h).</summary>
[Flags]
public enum NeighborFlags : byte
{
    None = 0,
    Use = 0x01,
    /// <summary>The entry lives in the device's own table (a VXLAN FDB), not its master bridge's.</summary>
    Self = 0x02,
    /// <summary>The entry lives in the master bridge's FDB.</summary>
    Master = 0x04,
    /// <summary>A proxy ARP/ND entry: answer for this address, it has no MAC of its own.</summary>
    Proxy = 0x08,
    ExternallyLearned = 0x10,
    Offloaded = 0x20,
    Sticky = 0x40,
    Router = 0x80,
}

/// <summary>An ARP (IPv4) or ND (IPv6) neighbour entry: IP to MAC on one link.</summary>
public sealed record Neighbor(int LinkIndex, IPAddress Address)
{
    /// <summary>The link-layer address; null for proxy entries and unresolved ones.</summary>
    public PhysicalAddress? MacAddress { get; init; }

    public NeighborState State { get; init; } = NeighborState.Permanent;

    public NeighborFlags Flags { get; init; }

    public override string ToString() => $"{Address} lladdr {MacAddress.ToText()} dev #{LinkIndex} {State}{(Flags == NeighborFlags.None ? "" : $" {Flags}")}";
}

/// <summary>
/// A bridge forwarding-database entry. On a VXLAN device (with <see cref="NeighborFlags.Self"/>) it maps a
/// MAC to the remote VTEP that owns it: <c>bridge fdb add MAC dev vxlan0 dst 198.18.0.2 self permanent</c>.
/// </summary>
public sealed record FdbEntry(int LinkIndex, PhysicalAddress MacAddress)
{
    /// <summary>The remote VTEP (NDA_DST); null for plain bridge entries.</summary>
    public IPAddress? Destination { get; init; }

    public NeighborState State { get; init; } = NeighborState.Permanent;

    public NeighborFlags Flags { get; init; } = NeighborFlags.Self;

    /// <summary>Remote VNI when it differs from the device's (NDA_VNI).</summary>
    public int? Vni { get; init; }

    /// <summary>Remote UDP port when it differs from the device's (NDA_PORT).</summary>
    public int? Port { get; init; }

    public int? Vlan { get; init; }

    /// <summary>The bridge, for entries reported from the master's FDB (NDA_MASTER).</summary>
    public int? MasterIndex { get; init; }

    public override string ToString() => $"{MacAddress.ToText()} dev #{LinkIndex}{(Destination is null ? "" : $" dst {Destination}")} {Flags} {State}";
}
