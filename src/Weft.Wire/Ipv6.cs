using System.Buffers.Binary;

namespace Weft.Wire;

/// <summary>
/// An IPv6 header (RFC 8200) followed by its extension-header chain. <see cref="UpperProtocol"/> and
/// <see cref="HeaderLength"/> describe where the chain ends and the upper-layer header begins.
/// </summary>
public readonly record struct Ipv6Header
{
    public const int FixedLength = 40;

    public byte TrafficClass { get; init; }
    public int FlowLabel { get; init; }
    public ushort PayloadLength { get; init; }
    /// <summary>The Next Header of the fixed header.</summary>
    public byte NextHeader { get; init; }
    public byte HopLimit { get; init; }
    public UInt128 Source { get; init; }
    public UInt128 Destination { get; init; }
    /// <summary>The protocol after the last extension header (TCP, UDP, ICMPv6, 59 = none, 50 = ESP).</summary>
    public byte UpperProtocol { get; init; }
    /// <summary>Fixed header plus all extension headers walked.</summary>
    public int HeaderLength { get; init; }
    /// <summary>Non-zero in a non-first fragment, where no upper-layer header is present.</summary>
    public int FragmentOffset { get; init; }

    public int TotalLength => FixedLength + PayloadLength;

    public bool IsFirstFragment => FragmentOffset == 0;

    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out Ipv6Header header)
    {
        header = default;
        if (data.Length < FixedLength)
        {
            return ParseStatus.Truncated;
        }
        if (data[0] >> 4 != 6)
        {
            return ParseStatus.BadVersion;
        }
        var payload = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        if (FixedLength + payload > data.Length)
        {
            return ParseStatus.Truncated;
        }
        var packet = data[..(FixedLength + payload)];
        var next = data[6];
        var offset = FixedLength;
        var fragmentOffset = 0;
        // Each step moves forward by at least 8 bytes, so the walk ends within the packet.
        while (IsExtension(next))
        {
            if (offset + 8 > packet.Length)
            {
                return ParseStatus.Truncated;
            }
            var ext = packet[offset..];
            int length;
            if (next == IpProtocols.Fragment)
            {
                length = 8;
                fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(ext[2..]) & 0xFFF8;
            }
            else if (next == IpProtocols.Ah)
            {
                length = (ext[1] + 2) * 4;
            }
            else
            {
                length = (ext[1] + 1) * 8;
            }
            if (offset + length > packet.Length)
            {
                return ParseStatus.BadLength;
            }
            next = ext[0];
            offset += length;
        }
        var vtf = BinaryPrimitives.ReadUInt32BigEndian(data);
        header = new Ipv6Header
        {
            TrafficClass = (byte)(vtf >> 20),
            FlowLabel = (int)(vtf & 0xFFFFF),
            PayloadLength = payload,
            NextHeader = data[6],
            HopLimit = data[7],
            Source = BinaryPrimitives.ReadUInt128BigEndian(data[8..]),
            Destination = BinaryPrimitives.ReadUInt128BigEndian(data[24..]),
            UpperProtocol = next,
            HeaderLength = offset,
            FragmentOffset = fragmentOffset,
        };
        return ParseStatus.Ok;
    }

    private static bool IsExtension(byte next) =>
        next is IpProtocols.HopByHop or IpProtocols.Routing or IpProtocols.Fragment or IpProtocols.DestinationOptions or IpProtocols.Ah;

    /// <summary>Writes the fixed header only; extension headers, if any, are the caller's payload.</summary>
    public int Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (6u << 28) | ((uint)TrafficClass << 20) | ((uint)FlowLabel & 0xFFFFF));
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], PayloadLength);
        destination[6] = NextHeader;
        destination[7] = HopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(destination[8..], Source);
        BinaryPrimitives.WriteUInt128BigEndian(destination[24..], Destination);
        return FixedLength;
    }
}
