using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Weft.Linux.Interop;
using Weft.Linux.Netlink;

namespace Weft.Linux.Routing;

/// <summary>Encoders and decoders for RTM_*ADDR, RTM_*ROUTE and RTM_*NEIGH (neighbours and FDB entries).</summary>
internal static class RoutingCodec
{
    public static byte Family(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)Libc.AF_INET6 : (byte)Libc.AF_INET;

    public static byte Family(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => Libc.AF_INET,
        AddressFamily.InterNetworkV6 => Libc.AF_INET6,
        _ => Libc.AF_UNSPEC,
    };

    // ---- addresses ----

    public static void EncodeAddress(MessageWriter w, uint seq, ushort type, ushort flags, LinkAddress a)
    {
        var start = w.BeginMessage(type, flags, seq);
        w.Put(new IfAddrMsg
        {
            Family = Family(a.Address),
            PrefixLength = (byte)a.PrefixLength,
            Flags = (byte)((uint)a.Flags & 0xff),
            Scope = (byte)a.Scope,
            Index = a.LinkIndex,
        });

        // Without a peer, IFA_LOCAL and IFA_ADDRESS are the same address; iproute2 sends both.
        w.PutAddress(Ifa.LOCAL, a.Address);
        w.PutAddress(Ifa.ADDRESS, a.Address);
        if (a.Broadcast is { } broadcast)
        {
            w.PutAddress(Ifa.BROADCAST, broadcast);
        }

        if (a.Label is { } label)
        {
            w.PutString(Ifa.LABEL, label);
        }

        if ((uint)a.Flags > 0xff)
        {
            w.PutU32(Ifa.FLAGS, (uint)a.Flags);
        }

        w.EndMessage(start);
    }

    public static LinkAddress DecodeAddress(in NetlinkMessage m)
    {
        var h = m.Header<IfAddrMsg>();
        IPAddress? local = null, address = null, broadcast = null;
        string? label = null;
        var flags = (uint)h.Flags;
        foreach (var a in m.Attributes<IfAddrMsg>())
        {
            switch (a.Type)
            {
                case Ifa.LOCAL: local = a.Address; break;
                case Ifa.ADDRESS: address = a.Address; break;
                case Ifa.BROADCAST: broadcast = a.Address; break;
                case Ifa.LABEL: label = a.String; break;
                case Ifa.FLAGS: flags = a.U32; break;
            }
        }

        // IPv4 reports the own address in IFA_LOCAL (IFA_ADDRESS is the peer on point-to-point links).
        var own = local ?? address ?? IPAddress.None;
        return new LinkAddress(h.Index, own, h.PrefixLength)
        {
            Scope = (RouteScope)h.Scope,
            Flags = (AddressFlags)flags,
            Label = label,
            Broadcast = broadcast,
        };
    }

    // ---- routes ----

    public static void EncodeRoute(MessageWriter w, uint seq, ushort type, ushort flags, Route r, bool forDelete)
    {
        var start = w.BeginMessage(type, flags, seq);
        var scope = r.Scope ?? (forDelete ? RouteScope.Nowhere : r.Gateway is null && r.Type == RouteType.Unicast ? RouteScope.Link : RouteScope.Universe);
        w.Put(new RtMsg
        {
            Family = Family(r.Family),
            DstLength = (byte)r.Destination.PrefixLength,
            Table = r.Table < 256 ? (byte)r.Table : (byte)0,
            Protocol = forDelete ? (byte)0 : r.Protocol,
            Scope = (byte)scope,
            Type = (byte)r.Type,
            Flags = r.OnLink ? Rta.RTNH_F_ONLINK : 0,
        });
        if (r.Destination.PrefixLength > 0)
        {
            w.PutAddress(Rta.DST, r.Destination.BaseAddress);
        }

        if (r.Gateway is { } gateway)
        {
            w.PutAddress(Rta.GATEWAY, gateway);
        }

        if (r.OutputLinkIndex is { } oif)
        {
            w.PutU32(Rta.OIF, (uint)oif);
        }

        if (r.Metric is { } metric)
        {
            w.PutU32(Rta.PRIORITY, (uint)metric);
        }

        if (r.PreferredSource is { } source)
        {
            w.PutAddress(Rta.PREFSRC, source);
        }

        w.PutU32(Rta.TABLE, (uint)r.Table);
        w.EndMessage(start);
    }

    public static Route DecodeRoute(in NetlinkMessage m)
    {
        var h = m.Header<RtMsg>();
        IPAddress? dst = null, gateway = null, source = null;
        int? oif = null, metric = null;
        var table = (int)h.Table;
        foreach (var a in m.Attributes<RtMsg>())
        {
            switch (a.Type)
            {
                case Rta.DST: dst = a.Address; break;
                case Rta.GATEWAY: gateway = a.Address; break;
                case Rta.OIF: oif = a.I32; break;
                case Rta.PRIORITY: metric = a.I32; break;
                case Rta.PREFSRC: source = a.Address; break;
                case Rta.TABLE: table = a.I32; break;
            }
        }

        dst ??= h.Family == Libc.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any;
        return new Route
        {
            Destination = new IPNetwork(dst, h.DstLength),
            Gateway = gateway,
            OutputLinkIndex = oif,
            Table = table,
            OnLink = (h.Flags & Rta.RTNH_F_ONLINK) != 0,
            Scope = (RouteScope)h.Scope,
            Metric = metric,
            PreferredSource = source,
            Protocol = h.Protocol,
            Type = (RouteType)h.Type,
        };
    }

    // ---- neighbours and FDB entries share RTM_*NEIGH and struct ndmsg ----

    public static void EncodeNeighbor(MessageWriter w, uint seq, ushort type, ushort flags, Neighbor n)
    {
        var start = w.BeginMessage(type, flags, seq);
        w.Put(new NdMsg
        {
            Family = Family(n.Address),
            Index = n.LinkIndex,
            State = (ushort)n.State,
            Flags = (byte)n.Flags,
        });
        w.PutAddress(Nda.DST, n.Address);
        if (n.MacAddress is not null)
        {
            PutMac(w, n.MacAddress);
        }

        w.EndMessage(start);
    }

    public static Neighbor DecodeNeighbor(in NetlinkMessage m)
    {
        var h = m.Header<NdMsg>();
        IPAddress? dst = null;
        PhysicalAddress? mac = null;
        foreach (var a in m.Attributes<NdMsg>())
        {
            switch (a.Type)
            {
                case Nda.DST: dst = a.Address; break;
                case Nda.LLADDR: mac = a.Mac; break;
            }
        }

        return new Neighbor(h.Index, dst ?? IPAddress.None)
        {
            MacAddress = mac,
            State = (NeighborState)h.State,
            Flags = (NeighborFlags)h.Flags,
        };
    }

    public static void EncodeFdb(MessageWriter w, uint seq, ushort type, ushort flags, FdbEntry e)
    {
        var start = w.BeginMessage(type, flags, seq);
        w.Put(new NdMsg
        {
            Family = Libc.AF_BRIDGE,
            Index = e.LinkIndex,
            State = (ushort)e.State,
            Flags = (byte)e.Flags,
        });
        PutMac(w, e.MacAddress);
        if (e.Destination is { } dst)
        {
            w.PutAddress(Nda.DST, dst);
        }

        if (e.Vni is { } vni)
        {
            w.PutU32(Nda.VNI, (uint)vni);
        }

        if (e.Port is { } port)
        {
            w.PutU16BigEndian(Nda.PORT, (ushort)port);
        }

        if (e.Vlan is { } vlan)
        {
            w.PutU16(Nda.VLAN, (ushort)vlan);
        }

        w.EndMessage(start);
    }

    public static FdbEntry DecodeFdb(in NetlinkMessage m)
    {
        var h = m.Header<NdMsg>();
        IPAddress? dst = null;
        PhysicalAddress? mac = null;
        int? vni = null, port = null, vlan = null, master = null;
        foreach (var a in m.Attributes<NdMsg>())
        {
            switch (a.Type)
            {
                case Nda.DST: dst = a.Address; break;
                case Nda.LLADDR: mac = a.Mac; break;
                case Nda.VNI: vni = a.I32; break;
                case Nda.PORT: port = a.U16BigEndian; break;
                case Nda.VLAN: vlan = a.U16; break;
                case Nda.MASTER: master = a.I32; break;
            }
        }

        return new FdbEntry(h.Index, mac ?? PhysicalAddress.None)
        {
            Destination = dst,
            State = (NeighborState)h.State,
            Flags = (NeighborFlags)h.Flags,
            Vni = vni,
            Port = port,
            Vlan = vlan,
            MasterIndex = master,
        };
    }

    // PhysicalAddress only hands out a copy of its bytes: one small allocation per entry, which is
    // negligible next to the syscall it rides on.
    private static void PutMac(MessageWriter w, PhysicalAddress mac) => w.PutAttribute(Nda.LLADDR, mac.GetAddressBytes());
}
