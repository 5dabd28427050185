using Weft.Linux.Links;
using Weft.Linux.Routing;

namespace Weft.Linux.Events;

/// <summary>Whether the kernel announced an object (new or changed: RTM_NEW*) or its removal (RTM_DEL*).</summary>
public enum ChangeKind
{
    NewOrChanged,
    Deleted,
}

/// <summary>Multicast groups to watch. FDB entries arrive with neighbours (RTNLGRP_NEIGH, family AF_BRIDGE).</summary>
[Flags]
public enum EventGroups
{
    None = 0,
    Links = 1,
    Neighbors = 2,
    Addresses = 4,
    Routes = 8,
}

/// <summary>A change notification from the kernel, typed by object.</summary>
public abstract record NetlinkEvent;

public sealed record LinkEvent(ChangeKind Change, Link Link) : NetlinkEvent;

public sealed record NeighborEvent(ChangeKind Change, Neighbor Neighbor) : NetlinkEvent;

public sealed record FdbEvent(ChangeKind Change, FdbEntry Entry) : NetlinkEvent;

public sealed record AddressEvent(ChangeKind Change, LinkAddress Address) : NetlinkEvent;

public sealed record RouteEvent(ChangeKind Change, Route Route) : NetlinkEvent;

/// <summary>
/// The socket overflowed (ENOBUFS) and notifications were dropped. The only safe reaction is to list the
/// kernel state again; an agent treats this as "resync now".
/// </summary>
public sealed record EventsLost : NetlinkEvent;
