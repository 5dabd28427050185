using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Weft.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): the one's-complement of the one's-complement sum of 16-bit words.
/// Sums are kept in a wide accumulator and folded once at the end, so pseudo-headers and payloads can be
/// added piece by piece.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds the bytes to a running sum. Pieces after the first must start at an even offset of the whole.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        // Four bytes at a time: 2^16 ≡ 1 modulo 2^16 − 1, so summing 32-bit big-endian words and folding
        // at the end gives the same result as summing 16-bit words.
        var words = MemoryMarshal.Cast<byte, uint>(data);
        foreach (var w in words)
        {
            sum += BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(w) : w;
        }
        var i = words.Length * 4;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if (i < data.Length)
        {
            sum += (ulong)data[i] << 8;
        }
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value to put into a header.</summary>
    public static ushort Finish(ulong sum)
    {
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    /// <summary>The checksum of one contiguous buffer.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>Adds the IPv4 pseudo-header used by UDP and TCP.</summary>
    public static ulong AddPseudoHeaderV4(ulong sum, uint source, uint destination, byte protocol, int length) =>
        sum + (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (uint)length;

    /// <summary>Adds the IPv6 pseudo-header (RFC 8200 §8.1) used by UDP, TCP and ICMPv6.</summary>
    public static ulong AddPseudoHeaderV6(ulong sum, UInt128 source, UInt128 destination, byte nextHeader, int length)
    {
        Span<byte> addresses = stackalloc byte[32];
        BinaryPrimitives.WriteUInt128BigEndian(addresses, source);
        BinaryPrimitives.WriteUInt128BigEndian(addresses[16..], destination);
        return Add(sum, addresses) + (uint)length + nextHeader;
    }
}
