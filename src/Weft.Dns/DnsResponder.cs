using System.Net;
using System.Net.Sockets;

namespace Weft.Dns;

/// <summary>
/// The pure part of the server: one message in, one decision out (a reply written into the caller's buffer,
/// "forward this", or "drop"). No sockets, no clocks, so it can be tested and fuzzed directly.
/// </summary>
/// <remarks>
/// Local answers are authoritative (AA) with the configured TTL. A name the scope owns but that has no record
/// of the asked type is NODATA; a name it says does not exist is NXDOMAIN. Both carry a synthetic SOA in the
/// authority section (RFC 2308) whose owner is the queried name's parent and whose TTL and MINIMUM are the
/// local TTL, so a caching resolver keeps the negative no longer than a positive answer.
/// Thread-safe: the only state is the round-robin counters.
/// </remarks>
public sealed class DnsResponder
{
    private static ReadOnlySpan<byte> SoaMname => "\u0002ns\u0004weft\0"u8;
    private static ReadOnlySpan<byte> SoaRname => "\u000ahostmaster\u0004weft\0"u8;

    /// <summary>Names a reply compresses against: the question's labels, the SOA's and a PTR target's.</summary>
    private const int CompressionEntries = 16;

    private readonly IDnsDirectory _directory;
    private readonly bool _canForward;
    private readonly uint _ttl;
    private readonly RoundRobin _rotation = new();

    /// <param name="canForward">Whether an upstream exists; without one, names the scope does not own get SERVFAIL.</param>
    public DnsResponder(IDnsDirectory directory, DnsServerOptions options, bool canForward)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        _directory = directory;
        _canForward = canForward;
        _ttl = (uint)Math.Clamp(options.LocalTtl.TotalSeconds, 0, int.MaxValue);
    }

    /// <param name="response">At least 512 bytes; replies over TCP may use up to 65535.</param>
    public DnsDecision Respond(ReadOnlySpan<byte> message, string listenerKey, IPAddress client, DnsTransport transport, Span<byte> response)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (response.Length < 512)
        {
            throw new ArgumentException("the response buffer must hold at least 512 bytes", nameof(response));
        }
        var status = DnsQuery.Parse(message, out var query);
        switch (status)
        {
            case DnsQueryStatus.Drop:
                return DnsDecision.Drop;
            case DnsQueryStatus.FormErr or DnsQueryStatus.NotImp:
                var rcode = status == DnsQueryStatus.FormErr ? DnsRcode.FormErr : DnsRcode.NotImp;
                return Reply(DnsReplies.HeaderOnly(query.Header, rcode, response), rcode, query);
            case DnsQueryStatus.BadVersion:
                return Reply(DnsReplies.Error(query, message, DnsRcode.BadVers, response), DnsRcode.BadVers, query);
        }

        IDnsScope? scope;
        try
        {
            scope = _directory.ScopeFor(listenerKey, client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);
        }
        catch (Exception e)
        {
            return Fail(query, message, response, e);
        }
        if (scope is null)
        {
            return Reply(DnsReplies.Error(query, message, DnsRcode.Refused, response), DnsRcode.Refused, query);
        }
        if (query.Class is not (DnsClass.IN or DnsClass.ANY) || query.Type is DnsType.AXFR or DnsType.IXFR)
        {
            // Other classes (CHAOS, Hesiod) and zone transfers are not served here, nor passed on to the host's resolvers.
            return Reply(DnsReplies.Error(query, message, DnsRcode.NotImp, response), DnsRcode.NotImp, query);
        }
        try
        {
            return Lookup(scope, query, message, transport, response);
        }
        catch (Exception e)
        {
            return Fail(query, message, response, e);
        }
    }

    private DnsDecision Lookup(IDnsScope scope, in DnsQuery query, ReadOnlySpan<byte> message, DnsTransport transport, Span<byte> response)
    {
        var wire = query.NameIn(message);
        if (wire.Length == 1)
        {
            return Forward(query, message, response); // the root: never a sandbox's name
        }
        if (ReverseName.TryParse(wire, out var address))
        {
            switch (scope.Reverse(address!, out var target))
            {
                case LookupResult.NotMine:
                    return Forward(query, message, response);
                case LookupResult.NotFound:
                    return Negative(query, message, DnsRcode.NxDomain, response);
            }
            if (query.Type is not (DnsType.PTR or DnsType.ANY))
            {
                return Negative(query, message, DnsRcode.NoError, response);
            }
            Span<byte> targetWire = stackalloc byte[DnsName.MaxLength];
            if (target is null || !DnsName.TryFromText(target, targetWire, out var targetLength))
            {
                return Fail(query, message, response, new InvalidOperationException($"scope returned an invalid name '{target}' for {address}"));
            }
            return Answer(query, message, transport, response, default, targetWire[..targetLength]);
        }

        var name = DnsName.ToText(wire, lowerCase: true);
        switch (scope.Resolve(name, out var addresses))
        {
            case LookupResult.NotMine:
                return Forward(query, message, response);
            case LookupResult.NotFound:
                return Negative(query, message, DnsRcode.NxDomain, response);
        }
        var family = query.Type switch
        {
            DnsType.A => AddressFamily.InterNetwork,
            DnsType.AAAA => AddressFamily.InterNetworkV6,
            DnsType.ANY => AddressFamily.Unspecified,
            _ => (AddressFamily?)null,
        };
        var count = family is { } f ? Count(addresses, f) : 0;
        if (count == 0)
        {
            return Negative(query, message, DnsRcode.NoError, response);
        }
        return Answer(query, message, transport, response, new Addresses(addresses, family!.Value, _rotation.Next(name, query.Type, count)), default);
    }

    /// <summary>A positive answer: the addresses (rotated) or one PTR target. Truncated (TC, no answers) if they do not fit.</summary>
    private DnsDecision Answer(in DnsQuery query, ReadOnlySpan<byte> message, DnsTransport transport, Span<byte> response,
        Addresses addresses, ReadOnlySpan<byte> ptrTarget)
    {
        var owner = query.NameIn(message);
        var budget = Budget(query, transport, response);
        var writer = Start(query, message, response, budget, stackalloc ushort[CompressionEntries], out var afterQuestion);
        ushort answers = 0;
        var truncated = false;
        if (addresses.List is null)
        {
            WriteRecordStart(ref writer, owner, DnsType.PTR);
            var rdLength = writer.Reserve16();
            var rdStart = writer.Position;
            writer.WriteName(ptrTarget);
            writer.Patch(rdLength, (ushort)(writer.Position - rdStart));
            truncated = !Fits(writer, budget);
            answers = 1;
        }
        else
        {
            // Two passes over the matching addresses: from the rotation's start to the end, then the ones before it.
            for (var pass = 0; pass < 2 && !truncated; pass++)
            {
                var k = 0;
                for (var i = 0; i < addresses.List.Count; i++)
                {
                    var address = addresses.List[i];
                    if (address is null || !Matches(address, addresses.Family))
                    {
                        continue;
                    }
                    if ((k++ >= addresses.Start) == (pass == 0))
                    {
                        WriteRecordStart(ref writer, owner, address.AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA);
                        writer.WriteUInt16(address.AddressFamily == AddressFamily.InterNetwork ? (ushort)4 : (ushort)16);
                        writer.WriteAddress(address);
                        truncated = !Fits(writer, budget);
                        if (truncated)
                        {
                            break;
                        }
                        answers++;
                    }
                }
            }
        }
        if (truncated)
        {
            // No partial RRset: a client that cached one would believe it complete (RFC 2181 §9). TC sends it to TCP.
            writer.Rewind(afterQuestion);
            answers = 0;
        }
        return Finish(query, ref writer, response, DnsRcode.NoError, answers, 0, truncated);
    }

    /// <summary>NXDOMAIN or NODATA, authoritative, with the synthetic SOA.</summary>
    private DnsDecision Negative(in DnsQuery query, ReadOnlySpan<byte> message, DnsRcode rcode, Span<byte> response)
    {
        var budget = Budget(query, DnsTransport.Udp, response);
        var writer = Start(query, message, response, budget, stackalloc ushort[CompressionEntries], out _);
        WriteRecordStart(ref writer, DnsName.Parent(query.NameIn(message)), DnsType.SOA);
        var rdLength = writer.Reserve16();
        var rdStart = writer.Position;
        writer.WriteName(SoaMname);
        writer.WriteName(SoaRname);
        writer.WriteUInt32(1);     // serial
        writer.WriteUInt32(3600);  // refresh
        writer.WriteUInt32(600);   // retry
        writer.WriteUInt32(86400); // expire
        writer.WriteUInt32(_ttl);  // minimum: the negative TTL
        writer.Patch(rdLength, (ushort)(writer.Position - rdStart));
        // Question + SOA is at most ~340 bytes with an OPT, so it always fits in 512.
        return Finish(query, ref writer, response, rcode, 0, 1, false);
    }

    private static int Budget(in DnsQuery query, DnsTransport transport, Span<byte> response) =>
        Math.Min(DnsReplies.Limit(query, transport), response.Length) - (query.Edns is null ? 0 : DnsEdns.OptRecordLength);

    private static DnsWriter Start(in DnsQuery query, ReadOnlySpan<byte> message, Span<byte> response, int budget, Span<ushort> compression, out int afterQuestion)
    {
        // The OPT goes after the budget, so the writer itself may use the whole limit.
        var writer = new DnsWriter(response, budget + (query.Edns is null ? 0 : DnsEdns.OptRecordLength), compression);
        writer.WriteHeader(default);
        writer.WriteName(query.NameIn(message)); // byte for byte: the client's case, and the target of later pointers
        writer.WriteUInt16((ushort)query.Type);
        writer.WriteUInt16((ushort)query.Class);
        afterQuestion = writer.Position;
        return writer;
    }

    private void WriteRecordStart(ref DnsWriter writer, ReadOnlySpan<byte> owner, DnsType type)
    {
        writer.WriteName(owner);
        writer.WriteUInt16((ushort)type);
        writer.WriteUInt16((ushort)DnsClass.IN);
        writer.WriteUInt32(_ttl);
    }

    private static bool Fits(in DnsWriter writer, int budget) => !writer.Overflowed && writer.Position <= budget;

    private static DnsDecision Finish(in DnsQuery query, ref DnsWriter writer, Span<byte> response, DnsRcode rcode, ushort answers, ushort authority, bool truncated)
    {
        DnsReplies.WriteOpt(ref writer, query, rcode);
        var flags = DnsHeader.ResponseFlags(query.Header.Flags, rcode, authoritative: true, truncated);
        new DnsHeader(query.Header.Id, flags, 1, answers, authority, query.Edns is null ? (ushort)0 : (ushort)1).Write(response);
        return new DnsDecision(DnsAction.Reply, writer.Position, rcode, true, query);
    }

    private DnsDecision Forward(in DnsQuery query, ReadOnlySpan<byte> message, Span<byte> response) =>
        _canForward
            ? new DnsDecision(DnsAction.Forward, 0, DnsRcode.NoError, false, query)
            : Reply(DnsReplies.Error(query, message, DnsRcode.ServFail, response), DnsRcode.ServFail, query);

    private static DnsDecision Fail(in DnsQuery query, ReadOnlySpan<byte> message, Span<byte> response, Exception fault) =>
        Reply(DnsReplies.Error(query, message, DnsRcode.ServFail, response), DnsRcode.ServFail, query) with { Fault = fault };

    private static DnsDecision Reply(int length, DnsRcode rcode, in DnsQuery query) => new(DnsAction.Reply, length, rcode, false, query);

    private static bool Matches(IPAddress address, AddressFamily family) =>
        family == AddressFamily.Unspecified
            ? address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            : address.AddressFamily == family;

    private static int Count(IReadOnlyList<IPAddress> addresses, AddressFamily family)
    {
        var count = 0;
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i] is { } a && Matches(a, family))
            {
                count++;
            }
        }
        return count;
    }

    private readonly record struct Addresses(IReadOnlyList<IPAddress>? List, AddressFamily Family, int Start);
}
