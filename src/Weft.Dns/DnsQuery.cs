namespace Weft.Dns;

/// <summary>The EDNS(0) parameters of a message's OPT record (RFC 6891 §6.1.3).</summary>
public readonly record struct DnsEdns(ushort UdpPayloadSize, byte Version, bool DnssecOk)
{
    /// <summary>The payload size this server advertises: the DNS Flag Day 2020 value, safe from IP fragmentation.</summary>
    public const ushort AdvertisedPayloadSize = 1232;
    public const int OptRecordLength = 11;
}

/// <summary>What to do with a message before looking at its question.</summary>
public enum DnsQueryStatus
{
    Ok,
    /// <summary>Not worth an answer: shorter than a header, or a response (answering those invites loops).</summary>
    Drop,
    FormErr,
    NotImp,
    /// <summary>An EDNS version this server does not speak: answered BADVERS (RFC 6891 §6.1.3).</summary>
    BadVersion,
}

/// <summary>
/// A parsed query. The question is not copied: its name is the bytes from <see cref="DnsHeader.Length"/> to
/// <see cref="NameEnd"/> of the message it came from, and the whole question ends at <see cref="QuestionEnd"/>,
/// so replies echo it byte for byte, in the client's case.
/// </summary>
public readonly record struct DnsQuery(DnsHeader Header, int NameEnd, DnsType Type, DnsClass Class, DnsEdns? Edns)
{
    /// <summary>The largest query accepted. Real queries are a few hundred bytes; anything bigger is refused with FORMERR.</summary>
    public const int MaxLength = 4096;

    public int QuestionEnd => NameEnd + 4;

    /// <summary>
    /// Checks a query strictly: exactly one uncompressed question, no answer or authority records, at most one
    /// OPT record whose owner is the root, no bytes after the last record. <paramref name="query"/> carries the
    /// header whenever the message had one, so even error replies echo the id.
    /// </summary>
    public static DnsQueryStatus Parse(ReadOnlySpan<byte> message, out DnsQuery query)
    {
        query = default;
        if (!DnsHeader.TryRead(message, out var header) || header.IsResponse)
        {
            return DnsQueryStatus.Drop;
        }
        query = new DnsQuery(header, 0, 0, 0, null);
        if (message.Length > MaxLength)
        {
            return DnsQueryStatus.FormErr;
        }
        if (header.Opcode != DnsOpcode.Query)
        {
            return DnsQueryStatus.NotImp;
        }
        if (header.QuestionCount != 1 || header.AnswerCount != 0 || header.AuthorityCount != 0)
        {
            return DnsQueryStatus.FormErr;
        }
        // Nothing precedes the question that a pointer could legitimately point at.
        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        var reader = new DnsReader(message, DnsHeader.Length);
        if (reader.TryReadName(name, out _, allowPointers: false) != DnsNameStatus.Ok)
        {
            return DnsQueryStatus.FormErr;
        }
        var nameEnd = reader.Position;
        if (!reader.TryReadUInt16(out var type) || !reader.TryReadUInt16(out var @class))
        {
            return DnsQueryStatus.FormErr;
        }
        DnsEdns? edns = null;
        for (var i = 0; i < header.AdditionalCount; i++)
        {
            if (reader.TryReadName(name, out var ownerLength) != DnsNameStatus.Ok
                || !reader.TryReadUInt16(out var rrType) || !reader.TryReadUInt16(out var rrClass)
                || !reader.TryReadUInt32(out var ttl) || !reader.TryReadUInt16(out var rdLength)
                || !reader.TrySlice(rdLength, out var rdata))
            {
                return DnsQueryStatus.FormErr;
            }
            if ((DnsType)rrType != DnsType.OPT)
            {
                continue; // e.g. TSIG, which this server does not check; the query is answered as unsigned
            }
            if (edns is not null || ownerLength != 1 || !OptionsWellFormed(rdata))
            {
                return DnsQueryStatus.FormErr;
            }
            edns = new DnsEdns(rrClass, (byte)(ttl >> 16), (ttl & 0x8000) != 0);
        }
        if (reader.Remaining != 0)
        {
            return DnsQueryStatus.FormErr;
        }
        query = new DnsQuery(header, nameEnd, (DnsType)type, (DnsClass)@class, edns);
        if ((DnsType)type == DnsType.OPT)
        {
            return DnsQueryStatus.FormErr; // OPT is a pseudo-record; it cannot be asked for
        }
        return edns is { Version: > 0 } ? DnsQueryStatus.BadVersion : DnsQueryStatus.Ok;
    }

    /// <summary>The largest response the client accepts over UDP: 512 without EDNS, else its advertised size clamped to 512..4096.</summary>
    public int MaxUdpResponse => Edns is { } e ? Math.Clamp((int)e.UdpPayloadSize, 512, 4096) : 512;

    /// <summary>The name's wire form inside <paramref name="message"/>.</summary>
    public ReadOnlySpan<byte> NameIn(ReadOnlySpan<byte> message) => message[DnsHeader.Length..NameEnd];

    /// <summary>The question section (name, type, class) inside <paramref name="message"/>.</summary>
    public ReadOnlySpan<byte> QuestionIn(ReadOnlySpan<byte> message) => message[DnsHeader.Length..QuestionEnd];

    private static bool OptionsWellFormed(ReadOnlySpan<byte> rdata)
    {
        var options = new DnsReader(rdata);
        while (options.Remaining > 0)
        {
            if (!options.TryReadUInt16(out _) || !options.TryReadUInt16(out var length) || !options.TrySlice(length, out _))
            {
                return false;
            }
        }
        return true;
    }
}
