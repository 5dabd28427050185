using System.Net;

namespace Weft.Linux.Routing;

/// <summary>IFA_F_* address flags (linux/if_addr.h).</summary>
[Flags]
public enum AddressFlags : uint
{
    None = 0,
    Secondary = 0x01,
    NoDad = 0x02,
    Optimistic = 0x04,
    DadFailed = 0x08,
    HomeAddress = 0x10,
    Deprecated = 0x20,
    Tentative = 0x40,
    Permanent = 0x80,
    ManageTemporaryAddress = 0x100,
    NoPrefixRoute = 0x200,
    MulticastAutoJoin = 0x400,
    StablePrivacy = 0x800,
}

/// <summary>Route and address scopes (enum rt_scope_t).</summary>
public enum RouteScope : byte
{
    Universe = 0,
    Site = 200,
    Link = 253,
    Host = 254,
    Nowhere = 255,
}

/// <summary>An IPv4 or IPv6 address assigned to a link, with its prefix length (10.0.10.2/24).</summary>
public sealed record LinkAddress(int LinkIndex, IPAddress Address, int PrefixLength)
{
    public RouteScope Scope { get; init; } = RouteScope.Universe;

    /// <summary>On add only NoDad, NoPrefixRoute and similar request flags matter; reads report all.</summary>
    public AddressFlags Flags { get; init; }

    /// <summary>IPv4 label (eth0:1); null keeps the kernel default, the link name.</summary>
    public string? Label { get; init; }

    public IPAddress? Broadcast { get; init; }

    public override string ToString() => $"{Address}/{PrefixLength} dev #{LinkIndex}";
}
