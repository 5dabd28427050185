using System.Net;
using System.Net.Sockets;

namespace Weft.Dns.Tests;

/// <summary>Garbage and abuse on the sockets never stop the server from answering the next honest client.</summary>
public class RobustnessTests
{
    [Fact]
    public async Task A_burst_of_garbage_over_UDP_and_TCP_leaves_the_server_answering()
    {
        await using var dns = DnsHarness.Start(options: new DnsServerOptions { ClientQueriesPerSecond = 0 });
        var rng = new Random(7);

        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            byte[] loop = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 5, (byte)'s', (byte)'h', (byte)'e', (byte)'l', (byte)'l', 0, 0, 1, 0, 1, 0xC0, 23];
            for (var i = 0; i < 3000; i++)
            {
                var junk = new byte[rng.Next(0, 700)];
                rng.NextBytes(junk);
                await udp.SendToAsync(i % 10 == 0 ? loop : junk, dns.EndPoint);
            }
            await udp.SendToAsync(new byte[9000], dns.EndPoint); // oversized
        }

        var tcpAbuse = new List<Func<Socket, Task>>
        {
            s => s.SendAsync(new byte[] { 0xFF, 0xFF }),                         // 65535 announced, then close
            s => s.SendAsync(new byte[] { 0xFF, 0xFF, 1, 2, 3 }),                // ... and a little of it
            s => s.SendAsync(new byte[] { 0, 0 }),                               // length 0
            s => s.SendAsync(new byte[] { 0, 5, 1, 2, 3, 4, 5 }),                // shorter than a header
            s => s.SendAsync(Raw.Frame([.. Packets.Query("shell"), 0xC0, 0xFF])), // trailing pointer
            s => s.SendAsync(new byte[] { 0 }),                                   // half a length
            async s =>
            {
                var junk = new byte[5000];
                rng.NextBytes(junk);
                await s.SendAsync(junk);
            },
        };
        for (var round = 0; round < 5; round++)
        {
            foreach (var abuse in tcpAbuse)
            {
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await tcp.ConnectAsync(dns.EndPoint);
                await abuse(tcp);
                tcp.Close(); // abruptly, whatever was in flight
            }
        }

        var afterUdp = await Dig.RunAsync(dns.EndPoint, "shell");
        Assert.Equal(["10.0.0.2"], afterUdp.AnswerData);
        var afterTcp = await Dig.RunAsync(dns.EndPoint, "+tcp", "shell");
        Assert.Equal(["10.0.0.2"], afterTcp.AnswerData);
        // Garbage is handled as data, not by catching exceptions.
        Assert.Equal(0, dns.Server.Stats.Errors);
        Assert.True(dns.Server.Stats.FormErr > 0 && dns.Server.Stats.Dropped > 0, dns.Server.Stats.ToString());
    }

    [Fact]
    public async Task A_TCP_connection_serves_several_queries_in_a_row()
    {
        await using var dns = DnsHarness.Start();
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(dns.EndPoint);
        await tcp.SendAsync((byte[])[.. Raw.Frame(Packets.Query("shell", id: 1)), .. Raw.Frame(Packets.Query("dual", 28, id: 2)), .. Raw.Frame(Packets.Query("nobody", id: 3))]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var replies = new List<Message>();
        for (var i = 0; i < 3; i++)
        {
            replies.Add(Message.Parse(await Raw.ReadFrameAsync(tcp, deadline.Token) ?? throw new InvalidOperationException("closed early")));
        }
        Assert.Equal([1, 2, 3], replies.Select(r => (int)r.Header.Id));
        Assert.Equal(IPAddress.Parse("10.0.0.2"), replies[0].Answers[0].Address);
        Assert.Equal(IPAddress.Parse("fd00::3"), replies[1].Answers[0].Address);
        Assert.Equal(DnsRcode.NxDomain, replies[2].Rcode);
        // Then a query sent later on the same connection still gets an answer.
        await tcp.SendAsync(Raw.Frame(Packets.Query("pair", id: 4)));
        Assert.Equal(4, Message.Parse((await Raw.ReadFrameAsync(tcp, deadline.Token))!).Header.Id);
        Assert.Equal(1, dns.Server.Stats.TcpConnections);
    }

    [Fact]
    public async Task Connections_over_the_TCP_cap_are_closed_at_once_and_served_ones_keep_working()
    {
        await using var dns = DnsHarness.Start(options: new DnsServerOptions { MaxTcpConnections = 3 });
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                sockets.Add(await ConnectAsync(dns.EndPoint));
            }
            await WaitUntil(() => dns.Server.Stats.TcpConnections == 3);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            for (var i = 0; i < 2; i++)
            {
                using var extra = await ConnectAsync(dns.EndPoint);
                await extra.SendAsync(Raw.Frame(Packets.Query("shell")));
                Assert.Null(await ReadFrameOrNullAsync(extra, deadline.Token)); // closed, no answer
            }
            Assert.Equal(2, dns.Server.Stats.TcpRejected);

            await sockets[0].SendAsync(Raw.Frame(Packets.Query("shell", id: 99)));
            Assert.Equal(99, Message.Parse((await Raw.ReadFrameAsync(sockets[0], deadline.Token))!).Header.Id);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
        // Closed clients free their slots.
        await WaitUntil(() => dns.Server.Stats.TcpOpen == 0);
        Assert.Equal(["10.0.0.2"], (await Dig.RunAsync(dns.EndPoint, "+tcp", "shell")).AnswerData);
    }

    [Fact]
    public async Task Idle_TCP_connections_are_closed_by_the_server_after_the_idle_timeout()
    {
        await using var dns = DnsHarness.Start(options: new DnsServerOptions { TcpIdleTimeout = TimeSpan.FromSeconds(1) });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var silent = await ConnectAsync(dns.EndPoint);
        using var halfQuery = await ConnectAsync(dns.EndPoint);
        await halfQuery.SendAsync(new byte[] { 0, 40, 0, 1 }); // announces 40 bytes, sends 2
        Assert.Null(await ReadFrameOrNullAsync(silent, deadline.Token));
        Assert.Null(await ReadFrameOrNullAsync(halfQuery, deadline.Token));
        // The timer cannot fire before its second has passed.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), clock.Elapsed.ToString());
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    /// <summary>A reply frame, or null when the server closed (or reset) the connection instead.</summary>
    private static async Task<byte[]?> ReadFrameOrNullAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            return await Raw.ReadFrameAsync(socket, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(condition());
    }

    [Fact]
    public async Task Disposing_a_listener_closes_both_sockets()
    {
        var dns = DnsHarness.Start();
        var endPoint = dns.EndPoint;
        Assert.NotNull(await Raw.UdpAsync(endPoint, Packets.Query("shell")));
        await dns.Listener.DisposeAsync();
        await dns.Listener.DisposeAsync(); // twice is fine

        // The port is free again for both protocols: nothing of the listener holds it.
        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            udp.Bind(endPoint);
        }
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await tcp.ConnectAsync(endPoint));
        await dns.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() =>
        {
            var (u, t) = DnsListenerSockets.Bind(IPAddress.Loopback, 0);
            dns.Server.Listen("again", u, t);
        });
    }

    [Fact]
    public void Bind_gives_UDP_and_TCP_the_same_port_even_on_an_address_not_configured_yet()
    {
        // 192.0.2.55 is on no interface: only IP_FREEBIND lets this bind.
        var (udp, tcp) = DnsListenerSockets.Bind(IPAddress.Parse("192.0.2.55"), 0);
        using (udp)
        using (tcp)
        {
            var u = (IPEndPoint)udp.LocalEndPoint!;
            Assert.Equal(IPAddress.Parse("192.0.2.55"), u.Address);
            Assert.Equal(u, (IPEndPoint)tcp.LocalEndPoint!);
            Assert.Equal(SocketType.Dgram, udp.SocketType);
            Assert.Equal(SocketType.Stream, tcp.SocketType);
        }
        var (udp6, tcp6) = DnsListenerSockets.Bind(IPAddress.IPv6Loopback, 0);
        udp6.Dispose();
        tcp6.Dispose();
    }

    [Fact]
    public async Task A_server_serves_several_listeners_with_their_own_keys()
    {
        var keys = new List<string>();
        var directory = new KeyRecordingDirectory(keys);
        await using var server = new DnsServer(directory, null);
        var (u1, t1) = DnsListenerSockets.Bind(IPAddress.Loopback, 0);
        var (u2, t2) = DnsListenerSockets.Bind(IPAddress.Parse("127.0.0.6"), 0);
        var first = server.Listen("net-a", u1, t1);
        var second = server.Listen("net-b", u2, t2);
        Assert.Equal(["10.0.0.2"], (await Dig.RunAsync(first.LocalEndPoint, "shell")).AnswerData);
        Assert.Equal(["10.0.0.2"], (await Dig.RunAsync(second.LocalEndPoint, "+tcp", "shell")).AnswerData);
        lock (keys)
        {
            Assert.Equal(["net-a", "net-b"], keys);
        }
    }

    private sealed class KeyRecordingDirectory(List<string> keys) : IDnsDirectory
    {
        private readonly TestScope _scope = TestScope.Standard();

        public IDnsScope? ScopeFor(string listenerKey, IPAddress client)
        {
            lock (keys)
            {
                keys.Add(listenerKey);
            }
            return _scope;
        }
    }
}
