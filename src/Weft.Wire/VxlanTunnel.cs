using Weft.Core.Addressing;
namespace Weft.Wire;

/// <summary>
/// One direction of a VXLAN tunnel over IPv4: everything needed to wrap an inner Ethernet frame into a
/// complete underlay frame (outer Ethernet, IPv4, UDP, VXLAN).
/// </summary>
public readonly record struct VxlanTunnel(
    MacAddress SourceMac,
    MacAddress DestinationMac,
    uint SourceIp,
    uint DestinationIp,
    int Vni,
    ushort DestinationPort = VxlanHeader.DefaultPort,
    byte Ttl = 64)
{
    /// <summary>
    /// Writes the encapsulated frame into <paramref name="destination"/> and returns its length
    /// (<see cref="VxlanHeader.OverheadV4"/> + the inner frame). The outer UDP checksum is zero, as RFC 7348
    /// recommends over IPv4; the source port comes from <see cref="FlowHash"/>.
    /// </summary>
    public int Encapsulate(ReadOnlySpan<byte> innerFrame, Span<byte> destination)
    {
        var total = VxlanHeader.OverheadV4 + innerFrame.Length;
        if (destination.Length < total)
        {
            throw new ArgumentException($"the buffer holds {destination.Length} bytes; the frame needs {total}", nameof(destination));
        }
        var ipLength = total - EthernetHeader.Length;
        if (ipLength > ushort.MaxValue)
        {
            throw new ArgumentException($"an inner frame of {innerFrame.Length} bytes does not fit in one IPv4 packet", nameof(innerFrame));
        }
        var o = new EthernetHeader(DestinationMac, SourceMac, EtherTypes.Ipv4).Write(destination);
        o += new Ipv4Header
        {
            TotalLength = (ushort)ipLength,
            Ttl = Ttl,
            Protocol = IpProtocols.Udp,
            Source = SourceIp,
            Destination = DestinationIp,
        }.Write(destination[o..]);
        var udpLength = (ushort)(ipLength - Ipv4Header.MinLength);
        o += new UdpHeader(FlowHash.SourcePort(innerFrame), DestinationPort, udpLength).Write(destination[o..]);
        o += new VxlanHeader(Vni).Write(destination[o..]);
        innerFrame.CopyTo(destination[o..]);
        return total;
    }
}
