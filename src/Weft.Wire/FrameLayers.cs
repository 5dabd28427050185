namespace Weft.Wire;

/// <summary>How far a decode got.</summary>
public enum Layer
{
    None,
    Ethernet,
    Network,
    Transport,
    Vxlan,
}

/// <summary>
/// What one Ethernet frame says, from link to transport layer, as plain values. A decode fills as many
/// layers as the frame has; <see cref="Status"/> tells why it stopped early, at <see cref="FailedAt"/>.
/// </summary>
public struct FrameLayers
{
    public EthernetHeader Ethernet { get; internal set; }
    /// <summary>The deepest layer decoded without error.</summary>
    public Layer Depth { get; internal set; }
    public ParseStatus Status { get; internal set; }
    public Layer FailedAt { get; internal set; }

    public ArpPacket Arp { get; internal set; }
    public WireAddress Source { get; internal set; }
    public WireAddress Destination { get; internal set; }
    public byte Ttl { get; internal set; }
    /// <summary>The transport protocol number (TCP, UDP, ICMP, ICMPv6, …).</summary>
    public byte Protocol { get; internal set; }
    /// <summary>Length of the IP packet, header included.</summary>
    public int NetworkLength { get; internal set; }
    /// <summary>Offset of the transport header within the frame.</summary>
    public int TransportOffset { get; internal set; }

    public ushort SourcePort { get; internal set; }
    public ushort DestinationPort { get; internal set; }
    public byte TcpFlags { get; internal set; }
    public IcmpHeader Icmp { get; internal set; }
    /// <summary>Offset of the transport payload within the frame.</summary>
    public int PayloadOffset { get; internal set; }
    public int PayloadLength { get; internal set; }

    public readonly bool IsIp => Depth >= Layer.Network && Ethernet.EtherType is EtherTypes.Ipv4 or EtherTypes.Ipv6;

    public readonly bool IsArp => Depth >= Layer.Network && Ethernet.EtherType == EtherTypes.Arp;

    public readonly bool IsIcmp => Depth >= Layer.Transport && Protocol is IpProtocols.Icmp or IpProtocols.Icmpv6;

    internal void Fail(Layer layer, ParseStatus status)
    {
        FailedAt = layer;
        Status = status;
    }

    /// <summary>Decodes one frame, Ethernet through TCP/UDP/ICMP. Never throws on bad input.</summary>
    public static FrameLayers Decode(ReadOnlySpan<byte> frame)
    {
        var l = default(FrameLayers);
        var status = EthernetHeader.TryParse(frame, out var eth);
        if (status != ParseStatus.Ok)
        {
            l.Fail(Layer.Ethernet, status);
            return l;
        }
        l.Ethernet = eth;
        l.Depth = Layer.Ethernet;
        var packet = frame[eth.HeaderLength..];
        switch (eth.EtherType)
        {
            case EtherTypes.Arp:
                status = ArpPacket.TryParse(packet, out var arp);
                if (status != ParseStatus.Ok)
                {
                    l.Fail(Layer.Network, status);
                    return l;
                }
                l.Arp = arp;
                l.Depth = Layer.Network;
                return l;
            case EtherTypes.Ipv4:
                status = Ipv4Header.TryParse(packet, out var v4);
                if (status != ParseStatus.Ok)
                {
                    l.Fail(Layer.Network, status);
                    return l;
                }
                l.Source = WireAddress.V4(v4.Source);
                l.Destination = WireAddress.V4(v4.Destination);
                l.Ttl = v4.Ttl;
                l.Protocol = v4.Protocol;
                l.NetworkLength = v4.TotalLength;
                l.TransportOffset = eth.HeaderLength + v4.HeaderLength;
                l.Depth = Layer.Network;
                if (v4.IsFirstFragment)
                {
                    l.DecodeTransport(frame[l.TransportOffset..(eth.HeaderLength + v4.TotalLength)]);
                }
                return l;
            case EtherTypes.Ipv6:
                status = Ipv6Header.TryParse(packet, out var v6);
                if (status != ParseStatus.Ok)
                {
                    l.Fail(Layer.Network, status);
                    return l;
                }
                l.Source = WireAddress.V6(v6.Source);
                l.Destination = WireAddress.V6(v6.Destination);
                l.Ttl = v6.HopLimit;
                l.Protocol = v6.UpperProtocol;
                l.NetworkLength = v6.TotalLength;
                l.TransportOffset = eth.HeaderLength + v6.HeaderLength;
                l.Depth = Layer.Network;
                if (v6.IsFirstFragment)
                {
                    l.DecodeTransport(frame[l.TransportOffset..(eth.HeaderLength + v6.TotalLength)]);
                }
                return l;
            default:
                return l;
        }
    }

    private void DecodeTransport(ReadOnlySpan<byte> segment)
    {
        ParseStatus status;
        int headerLength;
        switch (Protocol)
        {
            case IpProtocols.Udp:
                status = UdpHeader.TryParse(segment, out var udp);
                SourcePort = udp.SourcePort;
                DestinationPort = udp.DestinationPort;
                headerLength = UdpHeader.HeaderLength;
                PayloadLength = udp.PayloadLength;
                break;
            case IpProtocols.Tcp:
                status = TcpHeader.TryParse(segment, out var tcp);
                SourcePort = tcp.SourcePort;
                DestinationPort = tcp.DestinationPort;
                TcpFlags = tcp.Flags;
                headerLength = tcp.HeaderLength;
                PayloadLength = segment.Length - tcp.HeaderLength;
                break;
            case IpProtocols.Icmp or IpProtocols.Icmpv6:
                status = IcmpHeader.TryParse(segment, out var icmp);
                Icmp = icmp;
                headerLength = IcmpHeader.HeaderLength;
                PayloadLength = segment.Length - IcmpHeader.HeaderLength;
                break;
            default:
                return;
        }
        if (status != ParseStatus.Ok)
        {
            Fail(Layer.Transport, status);
            PayloadLength = 0;
            return;
        }
        PayloadOffset = TransportOffset + headerLength;
        Depth = Layer.Transport;
    }
}
