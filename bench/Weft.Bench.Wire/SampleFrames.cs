using Weft.Wire;
using Weft.Core.Addressing;

namespace Weft.Bench.Wire;

internal static class SampleFrames
{
    public static readonly VxlanTunnel Tunnel = new(
        MacAddress.Parse("02:00:c6:12:00:02"), MacAddress.Parse("02:00:c6:12:00:03"), 0xC6120002, 0xC6120003, 256);

    /// <summary>An inner Ethernet/IPv4/UDP frame whose IP packet is <paramref name="ipLength"/> bytes.</summary>
    public static byte[] InnerUdp(int ipLength, ushort sourcePort = 40000)
    {
        var frame = new byte[EthernetHeader.Length + ipLength];
        var o = new EthernetHeader(MacAddress.Parse("02:42:0a:00:0a:06"), MacAddress.Parse("02:42:0a:00:0a:05"), EtherTypes.Ipv4).Write(frame);
        o += new Ipv4Header
        {
            TotalLength = (ushort)ipLength,
            Ttl = 64,
            Protocol = IpProtocols.Udp,
            Source = 0x0A000A05,
            Destination = 0x0A000A06,
        }.Write(frame.AsSpan(o));
        var seg = frame.AsSpan(o);
        new UdpHeader(sourcePort, 5201, (ushort)seg.Length).Write(seg);
        TransportChecksum.Fill(seg, 6, WireAddress.V4(0x0A000A05), WireAddress.V4(0x0A000A06), IpProtocols.Udp);
        return frame;
    }
}
