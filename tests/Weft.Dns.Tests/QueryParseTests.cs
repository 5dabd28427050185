
namespace Weft.Dns.Tests;

public class QueryParseTests
{
    [Fact]
    public void A_plain_query_parses()
    {
        var q = Packets.Query("Shell", 28, id: 77);
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(q, out var query));
        Assert.Equal(77, query.Header.Id);
        Assert.Equal(DnsType.AAAA, query.Type);
        Assert.Equal(DnsClass.IN, query.Class);
        Assert.Null(query.Edns);
        Assert.Equal(512, query.MaxUdpResponse);
        Assert.Equal("Shell", DnsName.ToText(query.NameIn(q)));
        Assert.Equal(q.Length, query.QuestionEnd);
    }

    [Theory]
    [InlineData((ushort)1232, 1232)]
    [InlineData((ushort)100, 512)]
    [InlineData((ushort)65000, 4096)]
    public void The_EDNS_payload_size_is_read_and_clamped(ushort advertised, int limit)
    {
        var q = Packets.Query("shell", edns: advertised, dnssecOk: true);
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(q, out var query));
        Assert.Equal(new DnsEdns(advertised, 0, true), query.Edns);
        Assert.Equal(limit, query.MaxUdpResponse);
    }

    [Fact]
    public void Messages_without_a_whole_header_and_responses_are_dropped()
    {
        for (var length = 0; length < 12; length++)
        {
            Assert.Equal(DnsQueryStatus.Drop, DnsQuery.Parse(new byte[length], out _));
        }
        Assert.Equal(DnsQueryStatus.Drop, DnsQuery.Parse(Packets.Query("shell", flags: 0x8100), out _));
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)2)]
    public void Question_counts_other_than_one_are_format_errors(ushort count)
    {
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(Packets.Query("shell", qdcount: count), out var query));
        Assert.Equal(0x1234, query.Header.Id);
    }

    [Fact]
    public void Other_opcodes_are_not_implemented()
    {
        Assert.Equal(DnsQueryStatus.NotImp, DnsQuery.Parse(Packets.Query("shell", flags: 4 << 11), out _)); // NOTIFY
        Assert.Equal(DnsQueryStatus.NotImp, DnsQuery.Parse(Packets.Query("shell", flags: 5 << 11), out _)); // UPDATE
        Assert.Equal(DnsQueryStatus.NotImp, DnsQuery.Parse(Packets.Query("shell", flags: 15 << 11, qdcount: 0), out _));
    }

    [Fact]
    public void Every_truncation_of_a_query_is_a_format_error()
    {
        var q = Packets.Query("shell.test-net", edns: 1232);
        for (var length = 12; length < q.Length; length++)
        {
            Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(q.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Trailing_bytes_oversized_queries_and_a_compressed_question_are_format_errors()
    {
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse([.. Packets.Query("shell"), 0], out _));
        var huge = Packets.Query("shell").Concat(new byte[DnsQuery.MaxLength]).ToArray();
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(huge, out var query));
        Assert.Equal(0x1234, query.Header.Id);
        byte[] compressed = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 4, 0, 1, 0, 1];
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(compressed, out _));
    }

    [Fact]
    public void Answer_records_in_a_query_or_two_OPT_records_are_format_errors()
    {
        var withAnswer = Packets.Query("shell");
        withAnswer[7] = 1;
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(withAnswer, out _));

        var q = Packets.Query("shell", edns: 1232);
        var opt = q[^11..];
        byte[] twoOpts = [.. q, .. opt];
        twoOpts[11] = 2;
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(twoOpts, out _));
    }

    [Fact]
    public void An_OPT_with_a_non_root_owner_or_bad_options_is_a_format_error()
    {
        // An OPT owned by "x." instead of the root.
        var q = Packets.Query("shell").ToList();
        q[11] = 1;
        q.AddRange(new byte[] { 1, (byte)'x', 0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0 });
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(q.ToArray(), out _));

        // An option claiming 10 bytes with only 2 present.
        var bad = Packets.Query("shell", edns: 1232).ToList();
        bad[^1] = 6;
        bad.AddRange(new byte[] { 0, 10, 0, 10, 1, 2 });
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(bad.ToArray(), out _));

        // A well-formed cookie option is fine.
        var cookie = Packets.Query("shell", edns: 1232).ToList();
        cookie[^1] = 12;
        cookie.AddRange(new byte[] { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 });
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(cookie.ToArray(), out _));
    }

    [Fact]
    public void An_EDNS_version_above_zero_is_bad_version_and_OPT_as_a_question_type_is_a_format_error()
    {
        Assert.Equal(DnsQueryStatus.BadVersion, DnsQuery.Parse(Packets.Query("shell", edns: 1232, ednsVersion: 1), out _));
        Assert.Equal(DnsQueryStatus.FormErr, DnsQuery.Parse(Packets.Query("shell", type: 41), out _));
    }
}
