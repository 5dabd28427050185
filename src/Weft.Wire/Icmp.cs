using System.Buffers.Binary;

namespace Weft.Wire;

/// <summary>
/// An ICMP (RFC 792) or ICMPv6 (RFC 4443) header. Both share the layout; for echo messages the rest of
/// the header holds an identifier and a sequence number.
/// </summary>
public readonly record struct IcmpHeader(byte Type, byte Code, ushort Checksum, ushort Identifier, ushort Sequence)
{
    public const int HeaderLength = 8;

    public const byte EchoReply = 0;
    public const byte DestinationUnreachable = 3;
    public const byte EchoRequest = 8;
    public const byte TimeExceeded = 11;
    public const byte V6EchoRequest = 128;
    public const byte V6EchoReply = 129;
    public const byte V6NeighborSolicitation = 135;
    public const byte V6NeighborAdvertisement = 136;

    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out IcmpHeader header)
    {
        header = default;
        if (data.Length < HeaderLength)
        {
            return ParseStatus.Truncated;
        }
        header = new IcmpHeader(
            data[0],
            data[1],
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[6..]));
        return ParseStatus.Ok;
    }

    /// <summary>ICMP over IPv4 sums the message alone.</summary>
    public static bool VerifyV4(ReadOnlySpan<byte> message) => InternetChecksum.Compute(message) == 0;

    /// <summary>ICMPv6 includes the IPv6 pseudo-header.</summary>
    public static bool VerifyV6(ReadOnlySpan<byte> message, WireAddress source, WireAddress destination) =>
        TransportChecksum.Verify(message, source, destination, IpProtocols.Icmpv6);

    /// <summary>Writes the header; the checksum must be filled in once the payload is in place.</summary>
    public int Write(Span<byte> destination)
    {
        destination[0] = Type;
        destination[1] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Checksum);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], Sequence);
        return HeaderLength;
    }

    /// <summary>Fills in the ICMPv4 checksum of a complete message.</summary>
    public static void FillV4(Span<byte> message)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], InternetChecksum.Compute(message));
    }
}
