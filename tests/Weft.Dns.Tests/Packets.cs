using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Weft.Dns.Tests;

/// <summary>Builds queries byte by byte, independently of the library's writer, so tests do not check the codec against itself.</summary>
public static class Packets
{
    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public static byte[] Query(string name, ushort type = 1, ushort id = 0x1234, ushort flags = 0x0100, ushort qclass = 1,
        ushort? edns = null, bool dnssecOk = false, byte ednsVersion = 0, ushort qdcount = 1)
    {
        var m = new List<byte>();
        Add16(m, id);
        Add16(m, flags);
        Add16(m, qdcount);
        Add16(m, 0);
        Add16(m, 0);
        Add16(m, edns is null ? (ushort)0 : (ushort)1);
        m.AddRange(Name(name));
        Add16(m, type);
        Add16(m, qclass);
        if (edns is { } size)
        {
            m.Add(0);
            Add16(m, 41);
            Add16(m, size);
            m.Add(0);
            m.Add(ednsVersion);
            Add16(m, dnssecOk ? (ushort)0x8000 : (ushort)0);
            Add16(m, 0);
        }
        return [.. m];
    }

    public static void Add16(List<byte> m, ushort value)
    {
        m.Add((byte)(value >> 8));
        m.Add((byte)value);
    }
}

public sealed record Record(string Name, ushort Type, ushort Class, uint Ttl, byte[] Data, string? Target)
{
    public IPAddress Address => new(Data);
}

/// <summary>A fully parsed response: every section walked, every name decompressed, every length checked.</summary>
public sealed record Message(DnsHeader Header, List<(string Name, ushort Type, ushort Class)> Questions, List<Record> Answers, List<Record> Authority, List<Record> Additional)
{
    public DnsRcode Rcode => Header.Rcode;
    public Record? Opt => Additional.FirstOrDefault(r => r.Type == 41);

    public static Message Parse(ReadOnlySpan<byte> bytes) => TryParse(bytes) ?? throw new FormatException("reply does not parse");

    public static Message? TryParse(ReadOnlySpan<byte> bytes)
    {
        if (!DnsHeader.TryRead(bytes, out var header))
        {
            return null;
        }
        var position = DnsHeader.Length;
        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        var questions = new List<(string, ushort, ushort)>();
        for (var i = 0; i < header.QuestionCount; i++)
        {
            if (DnsName.TryRead(bytes, position, name, out var length, out position) != DnsNameStatus.Ok || position + 4 > bytes.Length)
            {
                return null;
            }
            questions.Add((DnsName.ToText(name[..length]), BinaryPrimitives.ReadUInt16BigEndian(bytes[position..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(position + 2)..])));
            position += 4;
        }
        var sections = new List<Record>[3];
        var counts = new[] { header.AnswerCount, header.AuthorityCount, header.AdditionalCount };
        for (var s = 0; s < 3; s++)
        {
            sections[s] = [];
            for (var i = 0; i < counts[s]; i++)
            {
                if (DnsName.TryRead(bytes, position, name, out var length, out position) != DnsNameStatus.Ok || position + 10 > bytes.Length)
                {
                    return null;
                }
                var owner = DnsName.ToText(name[..length]);
                var type = BinaryPrimitives.ReadUInt16BigEndian(bytes[position..]);
                var @class = BinaryPrimitives.ReadUInt16BigEndian(bytes[(position + 2)..]);
                var ttl = BinaryPrimitives.ReadUInt32BigEndian(bytes[(position + 4)..]);
                var rdLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[(position + 8)..]);
                position += 10;
                if (position + rdLength > bytes.Length)
                {
                    return null;
                }
                string? target = null;
                if (type is 12 or 6)
                {
                    if (DnsName.TryRead(bytes, position, name, out var targetLength, out var end) != DnsNameStatus.Ok || end > position + rdLength)
                    {
                        return null;
                    }
                    target = DnsName.ToText(name[..targetLength]);
                }
                sections[s].Add(new Record(owner, type, @class, ttl, bytes.Slice(position, rdLength).ToArray(), target));
                position += rdLength;
            }
        }
        return position == bytes.Length ? new Message(header, questions, sections[0], sections[1], sections[2]) : null;
    }
}
