namespace Weft.Dns;

/// <summary>
/// Replies that do not depend on a scope: errors, and relaying an upstream answer to the client (with its id,
/// truncated when it does not fit the client's transport).
/// </summary>
public static class DnsReplies
{
    /// <summary>The largest message over TCP (the 2-byte length prefix).</summary>
    public const int MaxTcpMessage = 65535;

    /// <summary>The response size limit for a query over a transport.</summary>
    public static int Limit(in DnsQuery query, DnsTransport transport) =>
        transport == DnsTransport.Tcp ? MaxTcpMessage : query.MaxUdpResponse;

    /// <summary>A header-only reply (FORMERR, NOTIMP): used when the question itself may be what is wrong.</summary>
    public static int HeaderOnly(in DnsHeader queryHeader, DnsRcode rcode, Span<byte> output)
    {
        new DnsHeader(queryHeader.Id, DnsHeader.ResponseFlags(queryHeader.Flags, rcode), 0, 0, 0, 0).Write(output);
        return DnsHeader.Length;
    }

    /// <summary>An error with the question echoed, and an OPT when the client sent one (SERVFAIL, REFUSED, NOTIMP, BADVERS).</summary>
    public static int Error(in DnsQuery query, ReadOnlySpan<byte> queryMessage, DnsRcode rcode, Span<byte> output) =>
        Empty(query, queryMessage, DnsHeader.ResponseFlags(query.Header.Flags, rcode), rcode, output);

    /// <summary>
    /// The upstream's answer for the client: its id back in place, and when it is larger than the client accepts
    /// over <paramref name="transport"/>, a truncated reply (TC, the question, no records) so the client retries over TCP.
    /// </summary>
    public static int Relay(in DnsQuery query, ReadOnlySpan<byte> queryMessage, ReadOnlySpan<byte> upstreamResponse, DnsTransport transport, Span<byte> output)
    {
        var limit = Math.Min(Limit(query, transport), output.Length);
        if (upstreamResponse.Length <= limit && DnsHeader.TryRead(upstreamResponse, out _))
        {
            upstreamResponse.CopyTo(output);
            DnsHeader.WriteId(output, query.Header.Id);
            return upstreamResponse.Length;
        }
        DnsHeader.TryRead(upstreamResponse, out var upstream);
        var rcode = (DnsRcode)(upstream.Flags & 0xF);
        return Empty(query, queryMessage, DnsHeader.WithTruncated(DnsHeader.ResponseFlags(query.Header.Flags, rcode)), rcode, output);
    }

    /// <summary>Header, question, OPT: the shape of every reply without records.</summary>
    private static int Empty(in DnsQuery query, ReadOnlySpan<byte> queryMessage, ushort flags, DnsRcode rcode, Span<byte> output)
    {
        var writer = new DnsWriter(output, output.Length, []);
        writer.WriteHeader(new DnsHeader(query.Header.Id, flags, 1, 0, 0, query.Edns is null ? (ushort)0 : (ushort)1));
        writer.WriteBytes(query.QuestionIn(queryMessage));
        WriteOpt(ref writer, query, rcode);
        return writer.Overflowed ? throw new ArgumentException("output buffer too small for a reply", nameof(output)) : writer.Position;
    }

    /// <summary>
    /// The reply's OPT record when the query had one (RFC 6891 §7): this server's payload size, the extended
    /// RCODE bits, version 0, and the DO bit copied (RFC 3225 §3). No options: cookies are ignored, which RFC 7873 allows.
    /// </summary>
    internal static void WriteOpt(ref DnsWriter writer, in DnsQuery query, DnsRcode rcode)
    {
        if (query.Edns is not { } edns)
        {
            return;
        }
        writer.WriteBytes([0]);
        writer.WriteUInt16((ushort)DnsType.OPT);
        writer.WriteUInt16(DnsEdns.AdvertisedPayloadSize);
        writer.WriteUInt32(((uint)rcode >> 4 << 24) | (edns.DnssecOk ? 0x8000u : 0));
        writer.WriteUInt16(0);
    }
}
