using System.Buffers.Binary;

namespace Weft.Wire;

/// <summary>A TCP header (RFC 9293), options counted in <see cref="HeaderLength"/>.</summary>
public readonly record struct TcpHeader
{
    public const int MinLength = 20;

    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Psh = 0x08;
    public const byte Ack = 0x10;

    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }
    public uint SequenceNumber { get; init; }
    public uint AcknowledgmentNumber { get; init; }
    public int HeaderLength { get; init; }
    public byte Flags { get; init; }
    public ushort Window { get; init; }
    public ushort Checksum { get; init; }
    public ushort UrgentPointer { get; init; }

    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out TcpHeader header)
    {
        header = default;
        if (data.Length < MinLength)
        {
            return ParseStatus.Truncated;
        }
        var length = (data[12] >> 4) * 4;
        if (length < MinLength)
        {
            return ParseStatus.BadLength;
        }
        if (length > data.Length)
        {
            return ParseStatus.Truncated;
        }
        header = new TcpHeader
        {
            SourcePort = BinaryPrimitives.ReadUInt16BigEndian(data),
            DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            SequenceNumber = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            AcknowledgmentNumber = BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            HeaderLength = length,
            Flags = data[13],
            Window = BinaryPrimitives.ReadUInt16BigEndian(data[14..]),
            Checksum = BinaryPrimitives.ReadUInt16BigEndian(data[16..]),
            UrgentPointer = BinaryPrimitives.ReadUInt16BigEndian(data[18..]),
        };
        return ParseStatus.Ok;
    }

    /// <summary>Writes a header without options; the checksum field is written as given.</summary>
    public int Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], AcknowledgmentNumber);
        destination[12] = (MinLength / 4) << 4;
        destination[13] = Flags;
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], Window);
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], Checksum);
        BinaryPrimitives.WriteUInt16BigEndian(destination[18..], UrgentPointer);
        return MinLength;
    }
}
