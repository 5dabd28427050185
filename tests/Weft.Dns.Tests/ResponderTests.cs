using System.Net;

namespace Weft.Dns.Tests;

public class ResponderTests
{
    private static readonly IPAddress Client = IPAddress.Parse("10.0.0.2");
    private readonly TestScope _scope = TestScope.Standard();

    private DnsResponder Responder(bool canForward = true, DnsServerOptions? options = null, params IPAddress[] clients) =>
        new(new TestDirectory(_scope, clients), options ?? new DnsServerOptions(), canForward);

    private static (DnsDecision Decision, Message? Reply) Ask(DnsResponder responder, byte[] query, DnsTransport transport = DnsTransport.Udp, IPAddress? client = null)
    {
        var buffer = new byte[65535];
        var decision = responder.Respond(query, "net1", client ?? Client, transport, buffer);
        return (decision, decision.Action == DnsAction.Reply ? Message.Parse(buffer.AsSpan(0, decision.Length)) : null);
    }

    [Fact]
    public void A_local_name_is_answered_authoritatively_echoing_id_rd_and_the_question_in_its_case()
    {
        var (decision, reply) = Ask(Responder(), Packets.Query("SheLL", id: 4242));
        Assert.True(decision.Local);
        var h = reply!.Header;
        Assert.Equal(4242, h.Id);
        Assert.True(h.IsResponse && h.Authoritative && h.RecursionDesired && h.RecursionAvailable && !h.Truncated);
        Assert.Equal(DnsRcode.NoError, h.Rcode);
        Assert.Equal(("SheLL", (ushort)1, (ushort)1), Assert.Single(reply.Questions));
        var answer = Assert.Single(reply.Answers);
        Assert.Equal("SheLL", answer.Name);
        Assert.Equal(IPAddress.Parse("10.0.0.2"), answer.Address);
        Assert.Equal(0u, answer.Ttl);
        Assert.Contains("shell", _scope.Asked); // the scope sees the lower-case name
    }

    [Fact]
    public void Names_are_matched_case_insensitively_including_dotted_ones()
    {
        var (_, reply) = Ask(Responder(), Packets.Query("SHELL.Test-Net"));
        Assert.Equal(IPAddress.Parse("10.0.0.2"), Assert.Single(reply!.Answers).Address);
        Assert.Equal("SHELL.Test-Net", reply.Questions[0].Name);
    }

    [Fact]
    public void AAAA_and_A_give_only_their_family_and_ANY_gives_both()
    {
        var (_, aaaa) = Ask(Responder(), Packets.Query("dual", 28));
        Assert.Equal(IPAddress.Parse("fd00::3"), Assert.Single(aaaa!.Answers).Address);
        Assert.Equal(28, aaaa.Answers[0].Type);
        var (_, any) = Ask(Responder(), Packets.Query("dual", 255));
        Assert.Equal(2, any!.Answers.Count);
        var (_, a) = Ask(Responder(), Packets.Query("dual", 1));
        Assert.Equal(IPAddress.Parse("10.0.0.3"), Assert.Single(a!.Answers).Address);
    }

    [Theory]
    [InlineData("v6only", (ushort)1)]   // exists, only another family
    [InlineData("shell", (ushort)28)]
    [InlineData("noaddr", (ushort)1)]   // exists without any address
    [InlineData("shell", (ushort)15)]   // MX
    [InlineData("shell", (ushort)999)]  // a type nobody knows
    [InlineData("shell", (ushort)12)]   // PTR on a forward name
    public void A_known_name_without_records_of_the_type_is_NODATA_with_an_SOA(string name, ushort type)
    {
        var (decision, reply) = Ask(Responder(options: new DnsServerOptions { LocalTtl = TimeSpan.FromSeconds(5) }), Packets.Query(name, type));
        Assert.True(decision.Local);
        Assert.Equal(DnsRcode.NoError, reply!.Rcode);
        Assert.True(reply.Header.Authoritative);
        Assert.Empty(reply.Answers);
        var soa = Assert.Single(reply.Authority);
        Assert.Equal(6, soa.Type);
        Assert.Equal("", soa.Name); // the parent of a single-label name: the root
        Assert.Equal("ns.weft", soa.Target);
        Assert.Equal(5u, soa.Ttl);
        Assert.Equal(5u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(soa.Data.AsSpan(soa.Data.Length - 4)));
    }

    [Fact]
    public void An_unknown_name_of_the_scope_is_NXDOMAIN_with_the_SOA_of_its_parent()
    {
        var (decision, reply) = Ask(Responder(), Packets.Query("Nobody.Test-Net", 1));
        Assert.True(decision.Local);
        Assert.Equal(DnsRcode.NxDomain, reply!.Rcode);
        Assert.True(reply.Header.Authoritative);
        Assert.Empty(reply.Answers);
        var soa = Assert.Single(reply.Authority);
        Assert.Equal("Test-Net", soa.Name);
        Assert.Equal(0u, soa.Ttl);
    }

    [Fact]
    public void A_name_the_scope_does_not_own_is_forwarded_or_SERVFAIL_without_upstream()
    {
        var query = Packets.Query("www.example.com");
        var (forward, _) = Ask(Responder(), query);
        Assert.Equal(DnsAction.Forward, forward.Action);
        Assert.Equal(query.Length, forward.Query.QuestionEnd);

        var (decision, reply) = Ask(Responder(canForward: false), query);
        Assert.Equal(DnsRcode.ServFail, reply!.Rcode);
        Assert.False(decision.Local);
        Assert.False(reply.Header.Authoritative);
        Assert.Equal("www.example.com", Assert.Single(reply.Questions).Name);

        var (root, _) = Ask(Responder(), Packets.Query(".", 2));
        Assert.Equal(DnsAction.Forward, root.Action);
    }

    [Fact]
    public void An_unknown_client_is_refused()
    {
        var (_, reply) = Ask(Responder(true, null, IPAddress.Parse("10.0.0.9")), Packets.Query("shell", id: 9));
        Assert.Equal(DnsRcode.Refused, reply!.Rcode);
        Assert.Equal(9, reply.Header.Id);
        Assert.Single(reply.Questions);
        Assert.Empty(reply.Answers);
    }

    [Fact]
    public void An_IPv4_mapped_client_address_is_looked_up_as_IPv4()
    {
        var (_, reply) = Ask(Responder(true, null, Client), Packets.Query("shell"), client: Client.MapToIPv6());
        Assert.Equal(DnsRcode.NoError, reply!.Rcode);
    }

    [Fact]
    public void PTR_queries_are_answered_from_the_scope_NXDOMAIN_or_forwarded()
    {
        var (_, v4) = Ask(Responder(), Packets.Query("2.0.0.10.IN-ADDR.ARPA", 12));
        var ptr = Assert.Single(v4!.Answers);
        Assert.Equal(12, ptr.Type);
        Assert.Equal("shell.test-net", ptr.Target);
        Assert.Equal("2.0.0.10.IN-ADDR.ARPA", ptr.Name);

        var (_, v6) = Ask(Responder(), Packets.Query(ReverseName.For(IPAddress.Parse("fd00::3")), 12));
        Assert.Equal("dual.test-net", Assert.Single(v6!.Answers).Target);

        var (_, unknown) = Ask(Responder(), Packets.Query("99.0.0.10.in-addr.arpa", 12));
        Assert.Equal(DnsRcode.NxDomain, unknown!.Rcode);
        Assert.Single(unknown.Authority);

        var (_, nodata) = Ask(Responder(), Packets.Query("2.0.0.10.in-addr.arpa", 1));
        Assert.Equal(DnsRcode.NoError, nodata!.Rcode);
        Assert.Empty(nodata.Answers);

        var (outside, _) = Ask(Responder(), Packets.Query("1.2.0.192.in-addr.arpa", 12));
        Assert.Equal(DnsAction.Forward, outside.Action);
    }

    [Fact]
    public void A_long_PTR_target_is_answered_in_full()
    {
        var longName = string.Join('.', Enumerable.Repeat(new string('x', 63), 3)) + "." + new string('y', 61); // 255 bytes
        _scope.Reverses[IPAddress.Parse("fd00::77")] = longName;
        var (_, reply) = Ask(Responder(), Packets.Query(ReverseName.For(IPAddress.Parse("fd00::77")), 12));
        Assert.False(reply!.Header.Truncated);
        Assert.Equal(longName, Assert.Single(reply.Answers).Target);
    }

    [Fact]
    public void An_invalid_name_from_the_scope_is_SERVFAIL()
    {
        _scope.Reverses[IPAddress.Parse("10.0.0.78")] = "bad..name";
        var (decision, reply) = Ask(Responder(), Packets.Query("78.0.0.10.in-addr.arpa", 12));
        Assert.Equal(DnsRcode.ServFail, reply!.Rcode);
        Assert.NotNull(decision.Fault);
    }

    [Fact]
    public void Other_opcodes_get_NOTIMP_and_bad_question_counts_FORMERR_with_the_id()
    {
        var (notimp, reply) = Ask(Responder(), Packets.Query("shell", id: 31, flags: 4 << 11));
        Assert.Equal(DnsRcode.NotImp, reply!.Rcode);
        Assert.Equal(31, reply.Header.Id);
        Assert.Equal(DnsOpcode.Notify, reply.Header.Opcode);
        Assert.False(notimp.Local);

        var (_, zero) = Ask(Responder(), Packets.Query("shell", id: 32, qdcount: 0));
        Assert.Equal(DnsRcode.FormErr, zero!.Rcode);
        Assert.Equal(32, zero.Header.Id);
        var (_, two) = Ask(Responder(), Packets.Query("shell", id: 33, qdcount: 2));
        Assert.Equal(DnsRcode.FormErr, two!.Rcode);
    }

    [Fact]
    public void Class_ANY_is_served_as_IN_other_classes_and_zone_transfers_are_not_implemented()
    {
        var (_, any) = Ask(Responder(), Packets.Query("shell", qclass: 255));
        Assert.Equal(1, Assert.Single(any!.Answers).Class);
        Assert.Equal(255, any.Questions[0].Class);

        var (_, chaos) = Ask(Responder(), Packets.Query("version.bind", 16, qclass: 3));
        Assert.Equal(DnsRcode.NotImp, chaos!.Rcode);
        var (_, odd) = Ask(Responder(), Packets.Query("shell", qclass: 77));
        Assert.Equal(DnsRcode.NotImp, odd!.Rcode);
        var (_, axfr) = Ask(Responder(), Packets.Query("test-net", 252), DnsTransport.Tcp);
        Assert.Equal(DnsRcode.NotImp, axfr!.Rcode);
    }

    [Fact]
    public void EDNS_is_echoed_with_our_payload_size_and_the_DO_bit()
    {
        var (_, reply) = Ask(Responder(), Packets.Query("shell", edns: 4096, dnssecOk: true));
        var opt = reply!.Opt!;
        Assert.Equal("", opt.Name);
        Assert.Equal(DnsEdns.AdvertisedPayloadSize, opt.Class);
        Assert.Equal(0x8000u, opt.Ttl);
        Assert.Empty(opt.Data);

        var (_, plain) = Ask(Responder(), Packets.Query("shell"));
        Assert.Null(plain!.Opt);
    }

    [Fact]
    public void An_unknown_EDNS_version_gets_BADVERS()
    {
        var (_, reply) = Ask(Responder(), Packets.Query("shell", edns: 1232, ednsVersion: 1));
        Assert.Equal(DnsRcode.NoError, reply!.Rcode); // the low bits; the rest is in the OPT
        Assert.Equal(1u, reply.Opt!.Ttl >> 24);
        Assert.Equal(0u, (reply.Opt.Ttl >> 16) & 0xFF);
    }

    [Theory]
    [InlineData(null, DnsTransport.Udp, true)]
    [InlineData((ushort)512, DnsTransport.Udp, true)]
    [InlineData((ushort)1232, DnsTransport.Udp, true)]
    [InlineData((ushort)4096, DnsTransport.Udp, false)]
    [InlineData(null, DnsTransport.Tcp, false)]
    public void Answers_that_do_not_fit_the_client_are_truncated_without_records(ushort? bufsize, DnsTransport transport, bool truncated)
    {
        var (_, reply) = Ask(Responder(), Packets.Query("BIG", edns: bufsize), transport);
        Assert.Equal(truncated, reply!.Header.Truncated);
        Assert.Equal(truncated ? 0 : 100, reply.Answers.Count);
        Assert.Equal("BIG", Assert.Single(reply.Questions).Name);
        Assert.Equal(bufsize is not null, reply.Opt is not null);
        var limit = transport == DnsTransport.Tcp ? 65535 : bufsize ?? 512;
        var size = new byte[65535];
        Assert.True(Responder().Respond(Packets.Query("BIG", edns: bufsize), "k", Client, transport, size).Length <= limit);
    }

    [Fact]
    public void The_answer_uses_name_compression()
    {
        var buffer = new byte[65535];
        var decision = Responder().Respond(Packets.Query("big", edns: 4096), "k", Client, DnsTransport.Udp, buffer);
        // header 12 + question 9 + 100 × (pointer 2 + 10 + 4) + OPT 11
        Assert.Equal(12 + 9 + 100 * 16 + 11, decision.Length);
    }

    [Fact]
    public void Addresses_of_a_shared_alias_rotate_between_queries()
    {
        var responder = Responder();
        var firsts = new List<IPAddress>();
        for (var i = 0; i < 4; i++)
        {
            var (_, reply) = Ask(responder, Packets.Query("pair"));
            Assert.Equal(2, reply!.Answers.Count);
            Assert.Equal(["10.0.0.5", "10.0.0.6"], reply.Answers.Select(a => a.Address.ToString()).Order());
            firsts.Add(reply.Answers[0].Address);
            Ask(responder, Packets.Query("pair", 28)); // interleaved AAAA queries must not freeze the A rotation
        }
        Assert.Equal([firsts[0], firsts[1], firsts[0], firsts[1]], firsts);
        Assert.NotEqual(firsts[0], firsts[1]);

        var big = Enumerable.Range(0, 3).Select(_ => Ask(responder, Packets.Query("big", edns: 4096)).Reply!.Answers.Select(a => a.Address).ToList()).ToList();
        Assert.Equal(big[0][1], big[1][0]); // each query starts one further along
        Assert.Equal(big[1][1], big[2][0]);
        Assert.Equal(big[0].Select(a => a.ToString()).Order(), big[2].Select(a => a.ToString()).Order());
    }

    [Fact]
    public void A_failing_scope_gives_SERVFAIL_not_an_exception()
    {
        var responder = new DnsResponder(new TestDirectory(new ThrowingScope()), new DnsServerOptions(), true);
        var buffer = new byte[512];
        var decision = responder.Respond(Packets.Query("shell", id: 5), "k", Client, DnsTransport.Udp, buffer);
        Assert.IsType<InvalidOperationException>(decision.Fault);
        var reply = Message.Parse(buffer.AsSpan(0, decision.Length));
        Assert.Equal(DnsRcode.ServFail, reply.Rcode);
        Assert.Equal(5, reply.Header.Id);
    }

    [Fact]
    public void Relaying_restores_the_client_id_and_truncates_what_does_not_fit()
    {
        var query = Packets.Query("www.example.com", id: 0x0101, edns: 1232);
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(query, out var parsed));
        // An upstream answer under another id, with 100 addresses (1600+ bytes).
        var upstreamResponder = new DnsResponder(new TestDirectory(new BigScope()), new DnsServerOptions(), false);
        var upstreamBuffer = new byte[65535];
        var upstreamQuery = Packets.Query("www.example.com", id: 0x0202, edns: 4096);
        var upstream = upstreamBuffer.AsSpan(0, upstreamResponder.Respond(upstreamQuery, "k", Client, DnsTransport.Udp, upstreamBuffer).Length).ToArray();

        var output = new byte[65535];
        var overTcp = Message.Parse(output.AsSpan(0, DnsReplies.Relay(parsed, query, upstream, DnsTransport.Tcp, output)));
        Assert.Equal(0x0101, overTcp.Header.Id);
        Assert.Equal(100, overTcp.Answers.Count);

        var overUdp = Message.Parse(output.AsSpan(0, DnsReplies.Relay(parsed, query, upstream, DnsTransport.Udp, output)));
        Assert.Equal(0x0101, overUdp.Header.Id);
        Assert.True(overUdp.Header.Truncated);
        Assert.Empty(overUdp.Answers);
        Assert.Equal("www.example.com", Assert.Single(overUdp.Questions).Name);
        Assert.NotNull(overUdp.Opt);
    }

    private sealed class BigScope : IDnsScope
    {
        public LookupResult Resolve(string name, out IReadOnlyList<IPAddress> addresses)
        {
            addresses = [.. Enumerable.Range(1, 100).Select(i => new IPAddress([192, 0, 2, (byte)i]))];
            return LookupResult.Found;
        }

        public LookupResult Reverse(IPAddress address, out string? name)
        {
            name = null;
            return LookupResult.NotMine;
        }
    }
}
