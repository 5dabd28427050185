using System.Buffers.Binary;

namespace Weft.Wire;

/// <summary>An IPv4 header (RFC 791), options included in <see cref="HeaderLength"/>.</summary>
public readonly record struct Ipv4Header
{
    public const int MinLength = 20;

    public byte Tos { get; init; }
    public ushort TotalLength { get; init; }
    public ushort Identification { get; init; }
    public bool DontFragment { get; init; }
    public bool MoreFragments { get; init; }
    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset { get; init; }
    public byte Ttl { get; init; }
    public byte Protocol { get; init; }
    public ushort Checksum { get; init; }
    public uint Source { get; init; }
    public uint Destination { get; init; }
    /// <summary>IHL × 4: 20 bytes plus options.</summary>
    public int HeaderLength { get; init; }

    public int PayloadLength => TotalLength - HeaderLength;

    /// <summary>True for the first fragment or an unfragmented packet: only then does a transport header follow.</summary>
    public bool IsFirstFragment => FragmentOffset == 0;

    /// <summary>Parses and checks version, lengths and the header checksum.</summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out Ipv4Header header)
    {
        header = default;
        if (data.Length < MinLength)
        {
            return ParseStatus.Truncated;
        }
        if (data[0] >> 4 != 4)
        {
            return ParseStatus.BadVersion;
        }
        var ihl = (data[0] & 0x0F) * 4;
        var total = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (ihl < MinLength || total < ihl)
        {
            return ParseStatus.BadLength;
        }
        if (ihl > data.Length || total > data.Length)
        {
            return ParseStatus.Truncated;
        }
        if (InternetChecksum.Compute(data[..ihl]) != 0)
        {
            return ParseStatus.BadChecksum;
        }
        var frag = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        header = new Ipv4Header
        {
            Tos = data[1],
            TotalLength = total,
            Identification = BinaryPrimitives.ReadUInt16BigEndian(data[4..]),
            DontFragment = (frag & 0x4000) != 0,
            MoreFragments = (frag & 0x2000) != 0,
            FragmentOffset = (frag & 0x1FFF) * 8,
            Ttl = data[8],
            Protocol = data[9],
            Checksum = BinaryPrimitives.ReadUInt16BigEndian(data[10..]),
            Source = BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            Destination = BinaryPrimitives.ReadUInt32BigEndian(data[16..]),
            HeaderLength = ihl,
        };
        return ParseStatus.Ok;
    }

    /// <summary>
    /// Writes the header with the given options (a multiple of 4 bytes, at most 40) and a computed checksum.
    /// <see cref="TotalLength"/> must already count header and payload.
    /// </summary>
    public int Write(Span<byte> destination, ReadOnlySpan<byte> options = default)
    {
        if (options.Length % 4 != 0 || options.Length > 40)
        {
            throw new ArgumentException($"IPv4 options must be a multiple of 4 bytes and at most 40, not {options.Length}", nameof(options));
        }
        var ihl = MinLength + options.Length;
        destination[0] = (byte)(0x40 | (ihl / 4));
        destination[1] = Tos;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], TotalLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Identification);
        var frag = (ushort)((DontFragment ? 0x4000 : 0) | (MoreFragments ? 0x2000 : 0) | ((FragmentOffset / 8) & 0x1FFF));
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], frag);
        destination[8] = Ttl;
        destination[9] = Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Source);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Destination);
        options.CopyTo(destination[MinLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], InternetChecksum.Compute(destination[..ihl]));
        return ihl;
    }
}
