using System.Buffers.Binary;

namespace Weft.Wire;

/// <summary>A UDP header (RFC 768).</summary>
public readonly record struct UdpHeader(ushort SourcePort, ushort DestinationPort, ushort Length, ushort Checksum = 0)
{
    public const int HeaderLength = 8;

    public int PayloadLength => Length - HeaderLength;

    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out UdpHeader header)
    {
        header = default;
        if (data.Length < HeaderLength)
        {
            return ParseStatus.Truncated;
        }
        var length = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        if (length < HeaderLength)
        {
            return ParseStatus.BadLength;
        }
        if (length > data.Length)
        {
            return ParseStatus.Truncated;
        }
        header = new UdpHeader(
            BinaryPrimitives.ReadUInt16BigEndian(data),
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            length,
            BinaryPrimitives.ReadUInt16BigEndian(data[6..]));
        return ParseStatus.Ok;
    }

    /// <summary>
    /// Checks the checksum of a whole datagram. Over IPv4 a zero checksum means none was sent, which is
    /// what VXLAN senders normally do (RFC 7348 §5).
    /// </summary>
    public static bool VerifyChecksum(ReadOnlySpan<byte> datagram, WireAddress source, WireAddress destination) =>
        (!source.IsV6 && BinaryPrimitives.ReadUInt16BigEndian(datagram[6..]) == 0)
        || TransportChecksum.Verify(datagram, source, destination, IpProtocols.Udp);

    /// <summary>Writes the header with the checksum field as given; use <see cref="TransportChecksum.Fill"/> to compute it.</summary>
    public int Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], Checksum);
        return HeaderLength;
    }
}
