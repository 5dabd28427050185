using System.Net;

namespace Weft.Dns.Tests;

/// <summary>Whatever arrives, the responder answers with a well-formed reply to the same id, forwards, or drops: it never throws.</summary>
public class FuzzTests
{
    private static readonly IPAddress Known = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress Stranger = IPAddress.Parse("10.0.0.99");

    [Fact]
    public void Two_hundred_thousand_random_and_mutated_packets_never_break_the_responder()
    {
        var responder = new DnsResponder(new TestDirectory(TestScope.Standard(), Known), new DnsServerOptions(), canForward: true);
        var rng = new Random(20261122);
        byte[][] seeds =
        [
            Packets.Query("shell"),
            Packets.Query("SheLL.test-net", 28, edns: 1232, dnssecOk: true),
            Packets.Query("big", edns: 512),
            Packets.Query("pair", 255),
            Packets.Query("2.0.0.10.in-addr.arpa", 12, edns: 4096),
            Packets.Query(ReverseName.For(IPAddress.Parse("fd00::3")), 12),
            Packets.Query("nobody.test-net", 15),
            Packets.Query("www.example.com", 1, edns: 1232),
            // A name with a compression pointer in the OPT owner and a cookie, to give mutations something to bend.
            [.. Packets.Query("noaddr"), 0xC0, 12, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8],
        ];
        seeds[^1][11] = 1;
        var message = new byte[1024];
        var response = new byte[65535];
        var actions = new Dictionary<string, int>();
        for (var i = 0; i < 200_000; i++)
        {
            int length;
            if (i % 5 == 0)
            {
                length = rng.Next(300);
                rng.NextBytes(message.AsSpan(0, length));
                if (length > 2 && rng.Next(2) == 0)
                {
                    message[2] &= 0x7F; // mostly "queries", so random bytes get past the QR check
                }
            }
            else
            {
                var seed = seeds[rng.Next(seeds.Length)];
                seed.CopyTo(message, 0);
                length = seed.Length;
                for (var m = rng.Next(1, 5); m > 0; m--)
                {
                    switch (rng.Next(6))
                    {
                        case 0: // flip a byte
                            message[rng.Next(length)] = (byte)rng.Next(256);
                            break;
                        case 1: // cut short
                            length = rng.Next(length + 1);
                            break;
                        case 2: // plant a compression pointer, possibly a loop or past the end
                            if (length >= 2)
                            {
                                var at = rng.Next(length - 1);
                                message[at] = (byte)(0xC0 | rng.Next(4));
                                message[at + 1] = (byte)rng.Next(256);
                            }
                            break;
                        case 3: // grow with junk
                            var extra = Math.Min(rng.Next(1, 64), message.Length - length);
                            rng.NextBytes(message.AsSpan(length, extra));
                            length += extra;
                            break;
                        case 4: // change a count
                            if (length >= 12)
                            {
                                message[4 + 2 * rng.Next(4) + 1] = (byte)rng.Next(4);
                            }
                            break;
                        default: // an odd label length
                            if (length > 12)
                            {
                                message[12 + rng.Next(length - 12)] = (byte)rng.Next(0x40, 0x100);
                            }
                            break;
                    }
                }
            }
            var query = message.AsSpan(0, length);
            var transport = i % 7 == 0 ? DnsTransport.Tcp : DnsTransport.Udp;
            var decision = responder.Respond(query, "net", i % 11 == 0 ? Stranger : Known, transport, response);
            string kind;
            switch (decision.Action)
            {
                case DnsAction.Drop:
                    Assert.True(length < 12 || (message[2] & 0x80) != 0, $"dropped a query at {i}");
                    kind = "drop";
                    break;
                case DnsAction.Forward:
                    Assert.InRange(decision.Query.QuestionEnd, 17, length);
                    // What the server sends when the upstream fails must be as sound as any local reply.
                    var failed = DnsReplies.Error(decision.Query, query, DnsRcode.ServFail, response);
                    CheckReply(query, response.AsSpan(0, failed), i, 512);
                    kind = "forward";
                    break;
                default:
                    CheckReply(query, response.AsSpan(0, decision.Length), i, transport == DnsTransport.Tcp ? 65535 : 4096);
                    kind = decision.Rcode.ToString();
                    break;
            }
            actions[kind] = actions.GetValueOrDefault(kind) + 1;
        }
        // The mutations must reach every outcome, or the test proves little.
        foreach (var kind in new[] { "drop", "forward", "NoError", "NxDomain", "FormErr", "NotImp", "Refused", "BadVers" })
        {
            Assert.True(actions.GetValueOrDefault(kind) > 50, $"{kind}: {actions.GetValueOrDefault(kind)} ({string.Join(", ", actions)})");
        }
    }

    private static void CheckReply(ReadOnlySpan<byte> query, ReadOnlySpan<byte> reply, int iteration, int limit)
    {
        var parsed = Message.TryParse(reply);
        Assert.True(parsed is not null, $"reply {iteration} does not parse");
        Assert.Equal(DnsHeader.ReadId(query), parsed.Header.Id);
        Assert.True(parsed.Header.IsResponse);
        Assert.True(reply.Length <= limit, $"reply {iteration} is {reply.Length} bytes");
        Assert.True(parsed.Questions.Count <= 1);
    }

    [Fact]
    public void Every_truncation_and_every_single_byte_value_at_every_position_of_a_query_is_handled()
    {
        var responder = new DnsResponder(new TestDirectory(TestScope.Standard()), new DnsServerOptions(), canForward: true);
        var seed = Packets.Query("Shell.test-net", 1, edns: 1232);
        var response = new byte[4096];
        for (var length = 0; length <= seed.Length; length++)
        {
            var d = responder.Respond(seed.AsSpan(0, length), "k", Known, DnsTransport.Udp, response);
            Assert.Equal(length < 12 ? DnsAction.Drop : DnsAction.Reply, d.Action);
            if (length >= 12)
            {
                Assert.Equal(length == seed.Length ? DnsRcode.NoError : DnsRcode.FormErr, d.Rcode);
            }
        }
        var copy = new byte[seed.Length];
        for (var position = 0; position < seed.Length; position++)
        {
            for (var value = 0; value < 256; value++)
            {
                seed.CopyTo(copy, 0);
                copy[position] = (byte)value;
                var d = responder.Respond(copy, "k", Known, DnsTransport.Udp, response);
                if (d.Action == DnsAction.Reply)
                {
                    CheckReply(copy, response.AsSpan(0, d.Length), position * 256 + value, 1232);
                }
            }
        }
    }
}
