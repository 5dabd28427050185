using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Weft.Linux.Netlink;

namespace Weft.Linux.Links;

/// <summary>Turns <see cref="Link"/> records into RTM_NEWLINK requests and RTM_NEWLINK replies back into records.</summary>
internal static class LinkCodec
{
    /// <summary>Checks what the kernel would refuse with a vaguer error, naming the link in the message.</summary>
    public static void Validate(Link link)
    {
        ValidateName(link.Name, nameof(Link.Name));
        if (link.Mtu is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(link), link.Mtu, $"link {link.Name}: MTU must be positive");
        }

        // Every kind Weft creates is Ethernet-like; a short address would be padded by nobody.
        ValidateMac(link.MacAddress, link.Name);
        switch (link)
        {
            case Veth veth:
                ValidateMac(veth.PeerMacAddress, veth.PeerName ?? link.Name);
                if (veth.PeerName is null)
                {
                    throw new ArgumentException($"veth {link.Name}: a peer name is required", nameof(link));
                }

                ValidateName(veth.PeerName, nameof(link));
                break;
            case Vxlan vxlan:
                if (vxlan.Vni is < 0 or > Vxlan.MaxVni)
                {
                    throw new ArgumentOutOfRangeException(nameof(link), vxlan.Vni, $"vxlan {link.Name}: VNI must be between 0 and {Vxlan.MaxVni}");
                }

                if (vxlan.Port is < 1 or > 65535)
                {
                    throw new ArgumentOutOfRangeException(nameof(link), vxlan.Port, $"vxlan {link.Name}: UDP port must be between 1 and 65535");
                }

                if (vxlan.SourcePorts is { } range && (range.Low is < 1 or > 65535 || range.High < range.Low || range.High > 65535))
                {
                    throw new ArgumentOutOfRangeException(nameof(link), range, $"vxlan {link.Name}: source port range must satisfy 1 <= low <= high <= 65535");
                }

                if (vxlan.Ttl is < 0 or > 255)
                {
                    throw new ArgumentOutOfRangeException(nameof(link), vxlan.Ttl, $"vxlan {link.Name}: TTL must be between 0 and 255");
                }

                break;
        }
    }

    private static void ValidateMac(System.Net.NetworkInformation.PhysicalAddress? mac, string linkName)
    {
        if (mac is not null && mac.GetAddressBytes().Length != 6)
        {
            throw new ArgumentException($"link {linkName}: '{Routing.MacAddresses.ToText(mac)}' is not a 6-byte Ethernet MAC address", nameof(mac));
        }
    }

    /// <summary>Interface names: 1..15 bytes, no '/', ':' or whitespace, not "." or ".." (dev_valid_name).</summary>
    public static void ValidateName(string name, string parameter)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes == 0 || bytes > Link.MaxNameLength || name is "." or ".." || name.AsSpan().IndexOfAny("/: \t\n") >= 0)
        {
            throw new ArgumentException($"'{name}' is not a valid interface name (1 to {Link.MaxNameLength} bytes, no '/', ':' or spaces)", parameter);
        }
    }

    public static void EncodeAdd(MessageWriter w, uint seq, Link link, int peerNamespaceFd)
    {
        var start = w.BeginMessage(Rtm.NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, seq);
        var up = link.Up ? 1u : 0u;
        w.Put(new IfInfoMsg { Flags = up, Change = up });
        EncodeCommon(w, link.Name, link.Mtu, link.MacAddress, link.TxQueueLength);
        if (link.MasterIndex is { } master)
        {
            w.PutU32(Ifla.MASTER, (uint)master);
        }

        var info = w.BeginNested(Ifla.LINKINFO);
        w.PutString(Ifla.INFO_KIND, link.Kind);
        switch (link)
        {
            case Veth veth:
                {
                    var data = w.BeginNested(Ifla.INFO_DATA);
                    var peer = w.BeginNested(Ifla.VETH_INFO_PEER);
                    w.Put(new IfInfoMsg());
                    EncodeCommon(w, veth.PeerName!, veth.Mtu, veth.PeerMacAddress, veth.TxQueueLength);
                    if (peerNamespaceFd >= 0)
                    {
                        w.PutU32(Ifla.NET_NS_FD, (uint)peerNamespaceFd);
                    }

                    w.EndNested(peer);
                    w.EndNested(data);
                    break;
                }

            case Vxlan vxlan:
                {
                    var data = w.BeginNested(Ifla.INFO_DATA);
                    EncodeVxlan(w, vxlan);
                    w.EndNested(data);
                    break;
                }
        }

        w.EndNested(info);
        w.EndMessage(start);
    }

    private static void EncodeCommon(MessageWriter w, string name, int? mtu, PhysicalAddress? mac, int? txQueueLength)
    {
        w.PutString(Ifla.IFNAME, name);
        if (mtu is { } m)
        {
            w.PutU32(Ifla.MTU, (uint)m);
        }

        if (mac is not null)
        {
            w.PutAttribute(Ifla.ADDRESS, mac.GetAddressBytes());
        }

        if (txQueueLength is { } q)
        {
            w.PutU32(Ifla.TXQLEN, (uint)q);
        }
    }

    private static void EncodeVxlan(MessageWriter w, Vxlan vxlan)
    {
        w.PutU32(Ifla.VXLAN_ID, (uint)vxlan.Vni);
        if (vxlan.Local is { } local)
        {
            w.PutAddress(local.AddressFamily == AddressFamily.InterNetworkV6 ? Ifla.VXLAN_LOCAL6 : Ifla.VXLAN_LOCAL, local);
        }

        if (vxlan.Group is { } group)
        {
            w.PutAddress(group.AddressFamily == AddressFamily.InterNetworkV6 ? Ifla.VXLAN_GROUP6 : Ifla.VXLAN_GROUP, group);
        }

        if (vxlan.UnderlayIndex is { } underlay)
        {
            w.PutU32(Ifla.VXLAN_LINK, (uint)underlay);
        }

        w.PutU16BigEndian(Ifla.VXLAN_PORT, (ushort)vxlan.Port);
        if (vxlan.SourcePorts is { } range)
        {
            Span<byte> ports = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(ports, (ushort)range.Low);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(ports[2..], (ushort)range.High);
            w.PutAttribute(Ifla.VXLAN_PORT_RANGE, ports);
        }

        w.PutU8(Ifla.VXLAN_LEARNING, vxlan.Learning ? (byte)1 : (byte)0);
        w.PutU8(Ifla.VXLAN_PROXY, vxlan.Proxy ? (byte)1 : (byte)0);
        w.PutU8(Ifla.VXLAN_L2MISS, vxlan.L2Miss ? (byte)1 : (byte)0);
        w.PutU8(Ifla.VXLAN_L3MISS, vxlan.L3Miss ? (byte)1 : (byte)0);
        if (vxlan.Ttl is { } ttl)
        {
            w.PutU8(Ifla.VXLAN_TTL, (byte)ttl);
        }

        if (vxlan.Ageing is { } ageing)
        {
            w.PutU32(Ifla.VXLAN_AGEING, (uint)ageing);
        }
    }

    /// <summary>Decodes one RTM_NEWLINK (a dump entry, a get reply or an event).</summary>
    public static Link Decode(in NetlinkMessage message)
    {
        var header = message.Header<IfInfoMsg>();
        string name = "";
        int? mtu = null, master = null, parent = null, parentNs = null, txq = null;
        PhysicalAddress? mac = null;
        var kind = "";
        ReadOnlySpan<byte> data = default;

        foreach (var attribute in message.Attributes<IfInfoMsg>())
        {
            switch (attribute.Type)
            {
                case Ifla.IFNAME: name = attribute.String; break;
                case Ifla.MTU: mtu = attribute.I32; break;
                case Ifla.ADDRESS: mac = attribute.Mac; break;
                case Ifla.MASTER: master = attribute.I32; break;
                case Ifla.LINK: parent = attribute.I32; break;
                case Ifla.LINK_NETNSID: parentNs = attribute.I32; break;
                case Ifla.TXQLEN: txq = attribute.I32; break;
                case Ifla.LINKINFO:
                    foreach (var info in attribute.Nested)
                    {
                        if (info.Type == Ifla.INFO_KIND)
                        {
                            kind = info.String;
                        }
                        else if (info.Type == Ifla.INFO_DATA)
                        {
                            data = info.Value;
                        }
                    }

                    break;
            }
        }

        Link link = kind switch
        {
            "veth" => new Veth { Name = name },
            "bridge" => new Bridge { Name = name },
            "dummy" => new Dummy { Name = name },
            "vxlan" => DecodeVxlan(name, data),
            _ => new GenericLink { Name = name, LinkKind = kind },
        };

        return link with
        {
            Index = header.Index,
            Flags = (LinkFlags)header.Flags,
            Mtu = mtu,
            MacAddress = mac,
            MasterIndex = master is null or 0 ? null : master,
            ParentIndex = parent,
            ParentNamespaceId = parentNs,
            TxQueueLength = txq,
        };
    }

    private static Vxlan DecodeVxlan(string name, ReadOnlySpan<byte> data)
    {
        var vni = 0;
        IPAddress? local = null, group = null;
        int? underlay = null, ttl = null, ageing = null;
        var port = 0;
        PortRange? range = null;
        bool learning = false, proxy = false, l2miss = false, l3miss = false;
        foreach (var a in new AttributeReader(data))
        {
            switch (a.Type)
            {
                case Ifla.VXLAN_ID: vni = a.I32; break;
                case Ifla.VXLAN_LOCAL or Ifla.VXLAN_LOCAL6: local = a.Address; break;
                case Ifla.VXLAN_GROUP or Ifla.VXLAN_GROUP6: group = a.Address; break;
                case Ifla.VXLAN_LINK: underlay = a.I32; break;
                case Ifla.VXLAN_PORT: port = a.U16BigEndian; break;
                case Ifla.VXLAN_PORT_RANGE:
                    if (a.Value.Length >= 4)
                    {
                        range = new PortRange(
                            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(a.Value),
                            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(a.Value[2..]));
                    }

                    break;
                case Ifla.VXLAN_LEARNING: learning = a.U8 != 0; break;
                case Ifla.VXLAN_PROXY: proxy = a.U8 != 0; break;
                case Ifla.VXLAN_L2MISS: l2miss = a.U8 != 0; break;
                case Ifla.VXLAN_L3MISS: l3miss = a.U8 != 0; break;
                case Ifla.VXLAN_TTL: ttl = a.U8; break;
                case Ifla.VXLAN_AGEING: ageing = a.I32; break;
            }
        }

        // The kernel reports an unset address as all zeros; null says "not set" more plainly.
        if (local is not null && (local.Equals(IPAddress.Any) || local.Equals(IPAddress.IPv6Any)))
        {
            local = null;
        }

        if (group is not null && (group.Equals(IPAddress.Any) || group.Equals(IPAddress.IPv6Any)))
        {
            group = null;
        }

        return new Vxlan
        {
            Name = name,
            Vni = vni,
            Local = local,
            Group = group,
            UnderlayIndex = underlay is null or 0 ? null : underlay,
            Port = port,
            SourcePorts = range,
            Learning = learning,
            Proxy = proxy,
            L2Miss = l2miss,
            L3Miss = l3miss,
            Ttl = ttl,
            Ageing = ageing,
        };
    }
}
