using System.Buffers.Binary;
using Weft.Core.Addressing;
using Weft.Wire;

namespace Weft.Testing;

/// <summary>Builds test frames through Weft.Wire's own writers; the wire and capture tests share them.</summary>
public static class Frames
{
    public static readonly MacAddress ShellMac = MacAddress.Parse("02:42:0a:00:0a:05");
    public static readonly MacAddress Shell2Mac = MacAddress.Parse("02:42:0a:00:0a:06");
    public const uint ShellIp = 0x0A000A05;   // 10.0.10.5
    public const uint Shell2Ip = 0x0A000A06;  // 10.0.10.6

    /// <summary>An Ethernet + IPv4 + ICMP echo request with a payload of <paramref name="payload"/> bytes.</summary>
    public static byte[] IcmpEcho(uint src, uint dst, ushort id, ushort seq, int payload = 56, MacAddress? srcMac = null, MacAddress? dstMac = null)
    {
        var frame = new byte[EthernetHeader.Length + Ipv4Header.MinLength + IcmpHeader.HeaderLength + payload];
        var o = new EthernetHeader(dstMac ?? Shell2Mac, srcMac ?? ShellMac, EtherTypes.Ipv4).Write(frame);
        o += new Ipv4Header
        {
            TotalLength = (ushort)(frame.Length - EthernetHeader.Length),
            Identification = 0x1234,
            DontFragment = true,
            Ttl = 64,
            Protocol = IpProtocols.Icmp,
            Source = src,
            Destination = dst,
        }.Write(frame.AsSpan(o));
        var icmp = frame.AsSpan(o);
        new IcmpHeader(IcmpHeader.EchoRequest, 0, 0, id, seq).Write(icmp);
        for (var i = 0; i < payload; i++)
        {
            icmp[IcmpHeader.HeaderLength + i] = (byte)i;
        }
        IcmpHeader.FillV4(icmp);
        return frame;
    }

    /// <summary>An Ethernet + IPv4 + UDP datagram with a computed checksum.</summary>
    public static byte[] Udp(uint src, uint dst, ushort sport, ushort dport, int payload)
    {
        var frame = new byte[EthernetHeader.Length + Ipv4Header.MinLength + UdpHeader.HeaderLength + payload];
        var o = new EthernetHeader(Shell2Mac, ShellMac, EtherTypes.Ipv4).Write(frame);
        o += new Ipv4Header
        {
            TotalLength = (ushort)(frame.Length - EthernetHeader.Length),
            Ttl = 64,
            Protocol = IpProtocols.Udp,
            Source = src,
            Destination = dst,
        }.Write(frame.AsSpan(o));
        var seg = frame.AsSpan(o);
        new UdpHeader(sport, dport, (ushort)seg.Length).Write(seg);
        for (var i = UdpHeader.HeaderLength; i < seg.Length; i++)
        {
            seg[i] = (byte)(i * 7);
        }
        TransportChecksum.Fill(seg, 6, WireAddress.V4(src), WireAddress.V4(dst), IpProtocols.Udp);
        return frame;
    }

    /// <summary>An Ethernet + IPv6 (hop-by-hop and destination-options headers) + UDP datagram.</summary>
    public static byte[] Udp6WithExtensions(UInt128 src, UInt128 dst, ushort sport, ushort dport, int payload)
    {
        const int ext = 8 + 16;
        var udpLength = UdpHeader.HeaderLength + payload;
        var frame = new byte[EthernetHeader.Length + Ipv6Header.FixedLength + ext + udpLength];
        var o = new EthernetHeader(Shell2Mac, ShellMac, EtherTypes.Ipv6).Write(frame);
        o += new Ipv6Header
        {
            PayloadLength = (ushort)(ext + udpLength),
            NextHeader = IpProtocols.HopByHop,
            HopLimit = 64,
            Source = src,
            Destination = dst,
            FlowLabel = 0x12345,
            TrafficClass = 0x20,
        }.Write(frame.AsSpan(o));
        frame[o] = IpProtocols.DestinationOptions; // hop-by-hop: 8 bytes, PadN
        frame[o + 1] = 0;
        frame[o + 2] = 1;
        frame[o + 3] = 4;
        o += 8;
        frame[o] = IpProtocols.Udp; // destination options: 16 bytes
        frame[o + 1] = 1;
        frame[o + 2] = 1;
        frame[o + 3] = 12;
        o += 16;
        var seg = frame.AsSpan(o);
        new UdpHeader(sport, dport, (ushort)udpLength).Write(seg);
        TransportChecksum.Fill(seg, 6, WireAddress.V6(src), WireAddress.V6(dst), IpProtocols.Udp);
        return frame;
    }

    public static VxlanTunnel Tunnel(int vni = 256) => new(
        MacAddress.Parse("02:00:c6:12:00:02"),
        MacAddress.Parse("02:00:c6:12:00:03"),
        0xC6120002, // 198.18.0.2
        0xC6120003, // 198.18.0.3
        vni);

    public static byte[] Encapsulated(byte[] inner, int vni = 256)
    {
        var buffer = new byte[inner.Length + VxlanHeader.OverheadV4];
        Tunnel(vni).Encapsulate(inner, buffer);
        return buffer;
    }

    public static uint Ip(string dotted) => BinaryPrimitives.ReadUInt32BigEndian(System.Net.IPAddress.Parse(dotted).GetAddressBytes());
}
