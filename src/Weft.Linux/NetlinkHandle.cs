using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Weft.Linux.Interop;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Netlink;
using Weft.Linux.Routing;

namespace Weft.Linux;

/// <summary>
/// An rtnetlink client bound to one network namespace: the one of the thread that opened it (see
/// <see cref="NetworkNamespace.OpenNetlink"/>). Like vishvananda/netlink's Handle, keep one per namespace.
/// Every method is one kernel step that either happens or fails with a <see cref="NetlinkException"/>
/// naming the object and the errno. Thread-safe: requests on one handle are serialised.
/// </summary>
public sealed class NetlinkHandle : IDisposable
{
    // Large enough that a full window of pipelined failures never overflows the queue.
    private const int SocketReceiveBufferBytes = 4 << 20;
    private const int DumpRetries = 5;

    private readonly NetlinkConnection _connection;

    private NetlinkHandle(NetlinkConnection connection) => _connection = connection;

    /// <summary>Opens a handle in the calling thread's namespace.</summary>
    public static NetlinkHandle Open() => new(new NetlinkConnection(NetlinkSocket.Open(SocketReceiveBufferBytes)));

    internal NetlinkConnection Connection => _connection;

    // ---------------------------------------------------------------- links

    /// <summary>Creates a link (NLM_F_CREATE|NLM_F_EXCL) and returns it as the kernel reports it.</summary>
    public Link AddLink(Link link)
    {
        ArgumentNullException.ThrowIfNull(link);
        LinkCodec.Validate(link);
        var peerNamespace = (link as Veth)?.PeerNamespace;
        var added = false;
        try
        {
            peerNamespace?.Handle.DangerousAddRef(ref added);
            var fd = peerNamespace is null ? -1 : peerNamespace.Handle.Value;
            Send("add link", link.Name, (w, seq) => LinkCodec.EncodeAdd(w, seq, link, fd));
        }
        finally
        {
            if (added)
            {
                peerNamespace!.Handle.DangerousRelease();
            }
        }

        return GetLink(link.Name);
    }

    public void DeleteLink(string name)
    {
        LinkCodec.ValidateName(name, nameof(name));
        Send("delete link", name, (w, seq) =>
        {
            var start = w.BeginMessage(Rtm.DELLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq);
            w.Put(new IfInfoMsg());
            w.PutString(Ifla.IFNAME, name);
            w.EndMessage(start);
        });
    }

    /// <summary>Reads one link; a missing one fails with ENODEV naming it.</summary>
    public Link GetLink(string name)
    {
        LinkCodec.ValidateName(name, nameof(name));
        return GetLinkCore(0, name, name);
    }

    public Link GetLink(int index) => GetLinkCore(index, null, "#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Reads one link, or null when it does not exist.</summary>
    public Link? FindLink(string name)
    {
        try
        {
            return GetLink(name);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    public IReadOnlyList<Link> ListLinks()
    {
        var links = new List<Link>();
        Dump("list links", "links", links, (w, seq) =>
        {
            var start = w.BeginMessage(Rtm.GETLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, seq);
            w.Put(new IfInfoMsg());
            w.PutU32(Ifla.EXT_MASK, Ifla.RTEXT_FILTER_SKIP_STATS);
            w.EndMessage(start);
        }, (in NetlinkMessage m) =>
        {
            if (m.Type == Rtm.NEWLINK)
            {
                links.Add(LinkCodec.Decode(in m));
            }
        });
        return links;
    }

    public void SetLinkUp(string name) => SetLinkFlags(name, up: true);

    /// <summary>
    /// Waits until the link is running (IFF_RUNNING): up, with carrier, and its transmit queue attached. The kernel does
    /// the last of these in its link-watch work, which waits for the rtnl lock; until then the link drops whatever it
    /// is asked to send. So a veth end that came up before its peer (its carrier came later) is not ready to carry
    /// traffic when SetLinkUp returns, and a moment later it is. Returns false if it is still not running at the timeout.
    /// </summary>
    public bool WaitUntilRunning(string name, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            if ((GetLink(name).Flags & LinkFlags.Running) != 0)
            {
                return true;
            }
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }
            Thread.Sleep(1);
        }
    }

    public void SetLinkDown(string name) => SetLinkFlags(name, up: false);

    public void SetLinkMtu(string name, int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mtu);
        SetLink("set mtu of link", name, w => w.PutU32(Ifla.MTU, (uint)mtu));
    }

    public void SetLinkMacAddress(string name, PhysicalAddress mac)
    {
        ArgumentNullException.ThrowIfNull(mac);
        SetLink("set address of link", name, w => w.PutAttribute(Ifla.ADDRESS, mac.GetAddressBytes()));
    }

    /// <summary>Enslaves a link to a bridge (<c>ip link set NAME master MASTER</c>).</summary>
    public void SetLinkMaster(string name, string master)
    {
        var masterIndex = GetLink(master).Index;
        SetLink("set master of link", name, w => w.PutU32(Ifla.MASTER, (uint)masterIndex));
    }

    /// <summary>Releases a link from its bridge (<c>ip link set NAME nomaster</c>).</summary>
    public void SetLinkNoMaster(string name) => SetLink("release link", name, w => w.PutU32(Ifla.MASTER, 0));

    public void RenameLink(string name, string newName)
    {
        LinkCodec.ValidateName(newName, nameof(newName));
        var index = GetLink(name).Index;
        Send("rename link", name, (w, seq) =>
        {
            var start = w.BeginMessage(Rtm.NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq);
            w.Put(new IfInfoMsg { Index = index });
            w.PutString(Ifla.IFNAME, newName);
            w.EndMessage(start);
        });
    }

    /// <summary>Moves a link into another namespace (IFLA_NET_NS_FD); it keeps its name there.</summary>
    public void MoveLinkToNamespace(string name, NetworkNamespace target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var added = false;
        try
        {
            target.Handle.DangerousAddRef(ref added);
            var fd = target.Handle.Value;
            SetLink($"move to netns {target.Name} link", name, w => w.PutU32(Ifla.NET_NS_FD, (uint)fd));
        }
        finally
        {
            if (added)
            {
                target.Handle.DangerousRelease();
            }
        }
    }

    // ---------------------------------------------------------------- addresses

    public void AddAddress(LinkAddress address) => AddressRequest("add address", address, Rtm.NEWADDR, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL);

    public void ReplaceAddress(LinkAddress address) => AddressRequest("replace address", address, Rtm.NEWADDR, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE);

    public void DeleteAddress(LinkAddress address) => AddressRequest("delete address", address, Rtm.DELADDR, 0);

    /// <summary>Adds ADDRESS/PREFIX to the named link, the common case of <c>ip addr add</c>.</summary>
    public void AddAddress(string linkName, IPAddress address, int prefixLength, AddressFlags flags = AddressFlags.None) =>
        AddAddress(new LinkAddress(GetLink(linkName).Index, address, prefixLength) { Flags = flags });

    public IReadOnlyList<LinkAddress> ListAddresses(int? linkIndex = null, AddressFamily family = AddressFamily.Unspecified)
    {
        var result = new List<LinkAddress>();
        Dump("list addresses", "addresses", result, (w, seq) =>
        {
            var start = w.BeginMessage(Rtm.GETADDR, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, seq);
            w.Put(new IfAddrMsg { Family = RoutingCodec.Family(family) });
            w.EndMessage(start);
        }, (in NetlinkMessage m) =>
        {
            if (m.Type != Rtm.NEWADDR)
            {
                return;
            }

            var address = RoutingCodec.DecodeAddress(in m);
            if (linkIndex is null || address.LinkIndex == linkIndex)
            {
                result.Add(address);
            }
        });
        return result;
    }

    // ---------------------------------------------------------------- routes

    public void AddRoute(Route route) => RouteRequest("add route", route, Rtm.NEWROUTE, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL);

    public void ReplaceRoute(Route route) => RouteRequest("replace route", route, Rtm.NEWROUTE, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE);

    public void DeleteRoute(Route route) => RouteRequest("delete route", route, Rtm.DELROUTE, 0);

    /// <summary>Lists routes of one table (main by default; null for every table).</summary>
    public IReadOnlyList<Route> ListRoutes(AddressFamily family = AddressFamily.Unspecified, int? table = RouteTable.Main)
    {
        var result = new List<Route>();
        Dump("list routes", "routes", result, (w, seq) =>
        {
            var start = w.BeginMessage(Rtm.GETROUTE, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, seq);
            w.Put(new RtMsg { Family = RoutingCodec.Family(family) });
            w.EndMessage(start);
        }, (in NetlinkMessage m) =>
        {
            if (m.Type != Rtm.NEWROUTE)
            {
                return;
            }

            var route = RoutingCodec.DecodeRoute(in m);
            if (table is null || route.Table == table)
            {
                result.Add(route);
            }
        });
        return result;
    }

    // ---------------------------------------------------------------- neighbours

    public void AddNeighbor(Neighbor neighbor) => NeighborRequest("add neighbor", neighbor, Rtm.NEWNEIGH, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL);

    public void ReplaceNeighbor(Neighbor neighbor) => NeighborRequest("replace neighbor", neighbor, Rtm.NEWNEIGH, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE);

    public void DeleteNeighbor(Neighbor neighbor) => NeighborRequest("delete neighbor", neighbor, Rtm.DELNEIGH, 0);

    /// <summary>
    /// Lists ARP/ND entries. Proxy entries live in a separate kernel table and are dumped only when
    /// <paramref name="proxies"/> is set (the kernel keys that dump on ndm_flags == NTF_PROXY).
    /// </summary>
    public IReadOnlyList<Neighbor> ListNeighbors(int? linkIndex = null, AddressFamily family = AddressFamily.Unspecified, bool proxies = false)
    {
        var result = new List<Neighbor>();
        Dump("list neighbors", "neighbors", result, (w, seq) =>
        {
            var start = w.BeginMessage(Rtm.GETNEIGH, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, seq);
            w.Put(new NdMsg { Family = RoutingCodec.Family(family), Flags = proxies ? (byte)NeighborFlags.Proxy : (byte)0 });
            if (linkIndex is { } index && !proxies)
            {
                w.PutU32(Nda.IFINDEX, (uint)index);
            }

            w.EndMessage(start);
        }, (in NetlinkMessage m) =>
        {
            if (m.Type != Rtm.NEWNEIGH || m.Payload.Length == 0 || m.Payload[0] == Libc.AF_BRIDGE)
            {
                return;
            }

            var neighbor = RoutingCodec.DecodeNeighbor(in m);
            if (linkIndex is null || neighbor.LinkIndex == linkIndex)
            {
                result.Add(neighbor);
            }
        });
        return result;
    }

    // ---------------------------------------------------------------- bridge FDB

    public void AddFdb(FdbEntry entry) => FdbRequest("add fdb entry", entry, Rtm.NEWNEIGH, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL);

    /// <summary>Adds or replaces; on a VXLAN device replace moves the MAC to the new destination.</summary>
    public void ReplaceFdb(FdbEntry entry) => FdbRequest("replace fdb entry", entry, Rtm.NEWNEIGH, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE);

    public void DeleteFdb(FdbEntry entry) => FdbRequest("delete fdb entry", entry, Rtm.DELNEIGH, 0);

    /// <summary>
    /// Lists FDB entries, of one port when <paramref name="linkIndex"/> is given (the device's own entries
    /// flagged Self, plus its bridge's entries for it, which carry <see cref="FdbEntry.MasterIndex"/>), and of one
    /// bridge's ports when <paramref name="masterIndex"/> is (the kernel filters: other devices are not walked).
    /// </summary>
    public IReadOnlyList<FdbEntry> ListFdb(int? linkIndex = null, int? masterIndex = null)
    {
        var result = new List<FdbEntry>();
        Dump("list fdb", "fdb", result, (w, seq) =>
        {
            // As `bridge fdb show dev X br Y` does: an ifinfomsg header whose index selects the port, IFLA_MASTER the bridge.
            var start = w.BeginMessage(Rtm.GETNEIGH, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, seq);
            w.Put(new IfInfoMsg { Family = Libc.AF_BRIDGE, Index = linkIndex ?? 0 });
            if (masterIndex is { } master)
            {
                w.PutU32(Ifla.MASTER, (uint)master);
            }
            w.EndMessage(start);
        }, (in NetlinkMessage m) =>
        {
            if (m.Type != Rtm.NEWNEIGH || m.Payload.Length == 0 || m.Payload[0] != Libc.AF_BRIDGE)
            {
                return;
            }

            var entry = RoutingCodec.DecodeFdb(in m);
            if (linkIndex is null || entry.LinkIndex == linkIndex)
            {
                result.Add(entry);
            }
        });
        return result;
    }

    // ---------------------------------------------------------------- bulk

    /// <summary>
    /// Starts a batch that pipelines many neighbour/FDB requests: up to <paramref name="window"/> go out
    /// in one send and are acknowledged together, instead of one round trip each.
    /// </summary>
    public NetlinkBatch CreateBatch(int window = NetlinkBatch.DefaultWindow) => new(this, window);

    public void Dispose() => _connection.Dispose();

    // ---------------------------------------------------------------- plumbing

    private Link GetLinkCore(int index, string? name, string objectName)
    {
        Link? found = null;
        lock (_connection.Gate)
        {
            var w = _connection.Writer;
            w.Reset();
            var seq = _connection.NextSeq();
            var start = w.BeginMessage(Rtm.GETLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq);
            w.Put(new IfInfoMsg { Index = index });
            if (name is not null)
            {
                w.PutString(Ifla.IFNAME, name);
            }

            w.PutU32(Ifla.EXT_MASK, Ifla.RTEXT_FILTER_SKIP_STATS);
            w.EndMessage(start);
            _connection.Execute(seq, (in NetlinkMessage m) =>
            {
                if (m.Type == Rtm.NEWLINK)
                {
                    found = LinkCodec.Decode(in m);
                }
            }, "get link", objectName);
        }

        return found ?? throw new NetlinkException(Errno.ENODEV, "get link", objectName);
    }

    private void SetLinkFlags(string name, bool up) =>
        Send(up ? "set up link" : "set down link", name, (w, seq) =>
        {
            LinkCodec.ValidateName(name, nameof(name));
            var start = w.BeginMessage(Rtm.NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq);
            w.Put(new IfInfoMsg { Flags = up ? 1u : 0u, Change = 1u });
            w.PutString(Ifla.IFNAME, name);
            w.EndMessage(start);
        });

    /// <summary>An RTM_NEWLINK without NLM_F_CREATE changes the link named by IFLA_IFNAME, or fails with ENODEV.</summary>
    private void SetLink(string operation, string name, Action<MessageWriter> attributes)
    {
        LinkCodec.ValidateName(name, nameof(name));
        Send(operation, name, (w, seq) =>
        {
            var start = w.BeginMessage(Rtm.NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq);
            w.Put(new IfInfoMsg());
            w.PutString(Ifla.IFNAME, name);
            attributes(w);
            w.EndMessage(start);
        });
    }

    private void AddressRequest(string operation, LinkAddress address, ushort type, ushort flags)
    {
        ArgumentNullException.ThrowIfNull(address);
        var max = address.Address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (address.PrefixLength < 0 || address.PrefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(address), address.PrefixLength, $"{operation} {address}: prefix length must be 0..{max}");
        }

        Send(operation, address.ToString(), (w, seq) =>
            RoutingCodec.EncodeAddress(w, seq, type, (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | flags), address));
    }

    private void RouteRequest(string operation, Route route, ushort type, ushort flags)
    {
        ArgumentNullException.ThrowIfNull(route);
        Send(operation, route.ToString(), (w, seq) =>
            RoutingCodec.EncodeRoute(w, seq, type, (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | flags), route, forDelete: type == Rtm.DELROUTE));
    }

    private void NeighborRequest(string operation, Neighbor neighbor, ushort type, ushort flags)
    {
        ArgumentNullException.ThrowIfNull(neighbor);
        Send(operation, neighbor.ToString(), (w, seq) =>
            RoutingCodec.EncodeNeighbor(w, seq, type, (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | flags), neighbor));
    }

    private void FdbRequest(string operation, FdbEntry entry, ushort type, ushort flags)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ValidateMac(entry.MacAddress, operation);
        Send(operation, entry.ToString(), (w, seq) =>
            RoutingCodec.EncodeFdb(w, seq, type, (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | flags), entry));
    }

    internal static void ValidateMac(PhysicalAddress mac, string operation)
    {
        ArgumentNullException.ThrowIfNull(mac);
        if (mac.GetAddressBytes().Length != 6)
        {
            throw new ArgumentException($"{operation}: '{mac.ToText()}' is not a 6-byte Ethernet MAC address", nameof(mac));
        }
    }

    /// <summary>Encodes one request with NLM_F_ACK and waits for its ack.</summary>
    private void Send(string operation, string objectName, Action<MessageWriter, uint> encode)
    {
        lock (_connection.Gate)
        {
            var w = _connection.Writer;
            w.Reset();
            var seq = _connection.NextSeq();
            encode(w, seq);
            _connection.Execute(seq, null, operation, objectName);
        }
    }

    /// <summary>Runs a dump, starting over (with <paramref name="sink"/> cleared) if the kernel reports it torn.</summary>
    private void Dump<T>(string operation, string objectName, List<T> sink, Action<MessageWriter, uint> encode, ReplyHandler onReply)
    {
        lock (_connection.Gate)
        {
            for (var attempt = 0; ; attempt++)
            {
                var w = _connection.Writer;
                w.Reset();
                var seq = _connection.NextSeq();
                encode(w, seq);
                if (_connection.Execute(seq, onReply, operation, objectName) || attempt == DumpRetries)
                {
                    return;
                }

                sink.Clear();
            }
        }
    }
}
