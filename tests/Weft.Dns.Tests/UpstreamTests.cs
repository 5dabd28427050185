using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Weft.Dns.Tests;

public class UpstreamTests(Dnsmasq dnsmasq) : IClassFixture<Dnsmasq>
{
    private static readonly DnsServerOptions Quick = new() { UpstreamTimeout = TimeSpan.FromMilliseconds(300), UpstreamAttempts = 2 };

    [Fact]
    public async Task Names_outside_the_scope_are_forwarded_and_relayed_over_UDP_and_TCP()
    {
        await using var dns = DnsHarness.Start(new DnsUpstream([dnsmasq.EndPoint]), Quick);
        var udp = await Dig.RunAsync(dns.EndPoint, "www.Example.test");
        Assert.Equal("NOERROR", udp.Status);
        Assert.Equal(["192.0.2.7"], udp.AnswerData);
        Assert.Contains(";www.Example.test.", udp.Output);
        Assert.DoesNotContain("WARNING", udp.Output); // the id and question came back as dig sent them

        var tcp = await Dig.RunAsync(dns.EndPoint, "+tcp", "mail.example.test");
        Assert.Equal(["192.0.2.7"], tcp.AnswerData);

        var nx = await Dig.RunAsync(dns.EndPoint, "gone.nx.test");
        Assert.Equal("NXDOMAIN", nx.Status);
        Assert.Equal(3, dns.Server.Stats.Forwarded);
        Assert.Equal(0, dns.Server.Stats.AnsweredLocally);
        Assert.Equal(1, dns.Server.Stats.NxDomain);
    }

    [Fact]
    public async Task A_truncated_upstream_answer_makes_dig_retry_over_TCP_and_the_server_follows_over_TCP()
    {
        await using var dns = DnsHarness.Start(new DnsUpstream([dnsmasq.EndPoint]), Quick);
        var result = await Dig.RunAsync(dns.EndPoint, "big.example.test");
        Assert.True(result.Output.Contains("Truncated, retrying in TCP mode", StringComparison.Ordinal), result.Output);
        Assert.Equal("NOERROR", result.Status);
        Assert.Equal(100, result.Answers.Count);
    }

    [Fact]
    public async Task Local_answers_and_relayed_ones_interleave_on_one_socket_under_load()
    {
        await using var dns = DnsHarness.Start(new DnsUpstream([dnsmasq.EndPoint]), Quick with { ClientQueriesPerSecond = 0 });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.ReceiveBufferSize = 1 << 20;
        const int Count = 400;
        var receive = Task.Run(async () =>
        {
            var ids = new HashSet<int>();
            var buffer = new byte[4096];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (ids.Count < Count)
            {
                var n = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                var reply = Message.Parse(buffer.AsSpan(0, n));
                Assert.Equal(reply.Header.Id % 2 == 0 ? "10.0.0.2" : "192.0.2.7", Assert.Single(reply.Answers).Address.ToString());
                ids.Add(reply.Header.Id);
            }
        });
        for (var i = 0; i < Count; i++)
        {
            await client.SendToAsync(Packets.Query(i % 2 == 0 ? "shell" : $"n{i}.example.test", id: (ushort)i), dns.EndPoint);
            if (i % 50 == 0)
            {
                await Task.Delay(5); // stay under the socket buffers: this is about concurrency, not loss
            }
        }
        await receive;
        Assert.Equal(0, dns.Server.Stats.Errors);
        Assert.Equal(Count / 2, dns.Server.Stats.Forwarded);
    }

    [Fact]
    public async Task A_silent_upstream_gives_SERVFAIL_within_timeout_times_attempts()
    {
        using var silent = new SilentUpstream();
        await using var dns = DnsHarness.Start(new DnsUpstream([silent.EndPoint]), Quick);
        var clock = Stopwatch.StartNew();
        var result = await Dig.RunAsync(dns.EndPoint, "www.example.com");
        Assert.Equal("SERVFAIL", result.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.Equal(1, dns.Server.Stats.UpstreamTimeouts);
        Assert.Equal(2, silent.Received); // both attempts went out

        // Meanwhile the server keeps answering: forwards never hold up the receive loop.
        var pending = Dig.RunAsync(dns.EndPoint, "www.example.com");
        var local = await Dig.RunAsync(dns.EndPoint, "shell");
        Assert.Equal(["10.0.0.2"], local.AnswerData);
        Assert.Equal("SERVFAIL", (await pending).Status);
    }

    [Fact]
    public async Task An_unreachable_upstream_gives_SERVFAIL_over_UDP_and_TCP()
    {
        // A port nobody listens on: the kernel answers ICMP port unreachable.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.4"), 0));
        var closed = (IPEndPoint)probe.LocalEndPoint!;
        probe.Dispose();
        await using var dns = DnsHarness.Start(new DnsUpstream([closed]), Quick);
        Assert.Equal("SERVFAIL", (await Dig.RunAsync(dns.EndPoint, "www.example.com")).Status);
        Assert.Equal("SERVFAIL", (await Dig.RunAsync(dns.EndPoint, "+tcp", "www.example.com")).Status);
    }

    [Fact]
    public async Task When_the_first_upstream_is_silent_the_next_one_answers()
    {
        using var silent = new SilentUpstream();
        await using var dns = DnsHarness.Start(new DnsUpstream([silent.EndPoint, dnsmasq.EndPoint]), Quick);
        var first = await Dig.RunAsync(dns.EndPoint, "a.example.test");
        Assert.Equal(["192.0.2.7"], first.AnswerData);
        Assert.Equal(1, silent.Received);
        // The server that answered is asked first from now on: the silent one hears nothing more.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(["192.0.2.7"], (await Dig.RunAsync(dns.EndPoint, $"b{i}.example.test")).AnswerData);
        }
        Assert.Equal(1, silent.Received);
        Assert.Equal(0, dns.Server.Stats.UpstreamTimeouts);
    }

    [Fact]
    public async Task Without_upstream_servers_foreign_names_are_SERVFAIL_and_local_ones_still_work()
    {
        await using var dns = DnsHarness.Start(DnsUpstream.FromResolvConf("/nonexistent/resolv.conf"), Quick);
        Assert.Equal("SERVFAIL", (await Dig.RunAsync(dns.EndPoint, "www.example.com")).Status);
        Assert.Equal(["10.0.0.2"], (await Dig.RunAsync(dns.EndPoint, "shell")).AnswerData);
    }

    [Fact]
    public async Task The_upstream_client_ignores_answers_to_another_question()
    {
        var upstream = new DnsUpstream([dnsmasq.EndPoint]);
        var query = Packets.Query("www.example.test", id: 7);
        var answer = await upstream.ExchangeAsync(query, query.Length, false, TimeSpan.FromSeconds(1), 1, CancellationToken.None);
        Assert.NotNull(answer);
        var reply = Message.Parse(answer);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), Assert.Single(reply.Answers).Address);
        Assert.Equal(DnsHeader.ReadId(answer), reply.Header.Id);

        Assert.False(DnsUpstream.IsAnswer(answer, (ushort)(reply.Header.Id + 1), query.AsSpan(12)));
        var other = Packets.Query("www.example.tesu");
        Assert.False(DnsUpstream.IsAnswer(answer, reply.Header.Id, other.AsSpan(12)));
        Assert.True(DnsUpstream.IsAnswer(answer, reply.Header.Id, Packets.Query("WWW.EXAMPLE.TEST").AsSpan(12)));
    }
}
