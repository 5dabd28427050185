using System.Buffers.Binary;

namespace Weft.Dns;

/// <summary>The fixed 12-byte message header (RFC 1035 §4.1.1): id, flags and the four section counts.</summary>
public readonly record struct DnsHeader(ushort Id, ushort Flags, ushort QuestionCount, ushort AnswerCount, ushort AuthorityCount, ushort AdditionalCount)
{
    public const int Length = 12;

    private const ushort QrBit = 0x8000;
    private const ushort AaBit = 0x0400;
    private const ushort TcBit = 0x0200;
    private const ushort RdBit = 0x0100;
    private const ushort RaBit = 0x0080;
    private const ushort AdBit = 0x0020;
    private const ushort CdBit = 0x0010;

    public bool IsResponse => (Flags & QrBit) != 0;
    public DnsOpcode Opcode => (DnsOpcode)((Flags >> 11) & 0xF);
    public bool Authoritative => (Flags & AaBit) != 0;
    public bool Truncated => (Flags & TcBit) != 0;
    public bool RecursionDesired => (Flags & RdBit) != 0;
    public bool RecursionAvailable => (Flags & RaBit) != 0;
    public bool AuthenticData => (Flags & AdBit) != 0;
    public bool CheckingDisabled => (Flags & CdBit) != 0;
    public DnsRcode Rcode => (DnsRcode)(Flags & 0xF);

    public static bool TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < Length)
        {
            header = default;
            return false;
        }
        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], AdditionalCount);
    }

    /// <summary>
    /// The flags of a response to a query with <paramref name="queryFlags"/>: QR set, opcode, RD and CD echoed,
    /// RA set (this server recurses on the client's behalf by forwarding).
    /// </summary>
    public static ushort ResponseFlags(ushort queryFlags, DnsRcode rcode, bool authoritative = false, bool truncated = false) =>
        (ushort)(QrBit | (queryFlags & (0x7800 | RdBit | CdBit)) | RaBit
            | (authoritative ? AaBit : 0) | (truncated ? TcBit : 0) | ((int)rcode & 0xF));

    /// <summary>Rewrites only the id of a message in place (forwarding swaps it on the way out and back).</summary>
    public static void WriteId(Span<byte> message, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(message, id);

    public static ushort ReadId(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    public static ushort WithTruncated(ushort flags) => (ushort)(flags | TcBit);
}
