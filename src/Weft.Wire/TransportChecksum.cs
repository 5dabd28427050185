using System.Buffers.Binary;

namespace Weft.Wire;

/// <summary>Checksums of UDP, TCP and ICMPv6, which cover a pseudo-header of the IP addresses (RFC 768, 793, 8200).</summary>
public static class TransportChecksum
{
    /// <summary>
    /// The checksum over the pseudo-header and the segment as it is. For a segment with its checksum field
    /// filled in, 0 means it verifies; with the field zeroed, the result is the value to write.
    /// </summary>
    public static ushort Compute(ReadOnlySpan<byte> segment, WireAddress source, WireAddress destination, byte protocol)
    {
        var sum = source.IsV6
            ? InternetChecksum.AddPseudoHeaderV6(0, source.Value, destination.Value, protocol, segment.Length)
            : InternetChecksum.AddPseudoHeaderV4(0, source.V4Value, destination.V4Value, protocol, segment.Length);
        return InternetChecksum.Finish(InternetChecksum.Add(sum, segment));
    }

    public static bool Verify(ReadOnlySpan<byte> segment, WireAddress source, WireAddress destination, byte protocol) =>
        Compute(segment, source, destination, protocol) == 0;

    /// <summary>Fills in the checksum field at <paramref name="fieldOffset"/> of a complete segment.</summary>
    public static void Fill(Span<byte> segment, int fieldOffset, WireAddress source, WireAddress destination, byte protocol)
    {
        BinaryPrimitives.WriteUInt16BigEndian(segment[fieldOffset..], 0);
        var value = Compute(segment, source, destination, protocol);
        // UDP sends a computed zero as all ones: zero on the wire means "no checksum" (RFC 768).
        if (value == 0 && protocol == IpProtocols.Udp)
        {
            value = 0xFFFF;
        }
        BinaryPrimitives.WriteUInt16BigEndian(segment[fieldOffset..], value);
    }
}
