using System.Net;
using System.Net.Sockets;

namespace Weft.Dns.Tests;

public class RateLimitTests
{
    [Fact]
    public async Task A_flooding_client_is_dropped_while_another_client_is_still_answered()
    {
        var options = new DnsServerOptions { ClientQueriesPerSecond = 50, ClientBurst = 50 };
        await using var dns = DnsHarness.Start(options: options);

        using var flooder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        flooder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        flooder.ReceiveBufferSize = 1 << 20;
        const int Sent = 2000;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // About 1000 queries a second for two seconds: twenty times the client's rate, paced so that the kernel's
        // socket buffers never overflow (this is about the server's fairness, not the kernel's).
        var flood = Task.Run(async () =>
        {
            for (var i = 0; i < Sent; i++)
            {
                await flooder.SendToAsync(Packets.Query("shell", id: (ushort)i), dns.EndPoint);
                if (i % 20 == 19)
                {
                    await Task.Delay(20);
                }
            }
        });

        // While the flooder is over its rate, a client at another address gets its answers.
        await Task.Delay(300);
        for (var i = 0; i < 3; i++)
        {
            var other = await Dig.RunAsync(dns.EndPoint, "-b", "127.0.0.3", "shell");
            Assert.Equal("NOERROR", other.Status);
            Assert.Equal(["10.0.0.2"], other.AnswerData);
        }
        Assert.False(flood.IsCompleted, "the flood ended before the other client asked; the test proves nothing");
        await flood;

        var answered = 0;
        var buffer = new byte[512];
        using (var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            try
            {
                while (true)
                {
                    await flooder.ReceiveAsync(buffer, SocketFlags.None, quiet.Token);
                    answered++;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
        // The burst, plus what the rate refilled meanwhile.
        Assert.InRange(answered, 50, 50 + 50 * clock.Elapsed.TotalSeconds + 5);
        // Everything else that reached the server was counted as rate limited and dropped. (The kernel may drop
        // some datagrams of such a burst before the server sees them; those it never counts.)
        var stats = dns.Server.Stats;
        Assert.Equal(stats.Queries - 3 - answered, stats.RateLimited);
        Assert.True(stats.RateLimited > 200, stats.ToString());
    }

    [Fact]
    public void The_bucket_allows_a_burst_then_the_rate_and_keeps_clients_apart()
    {
        var time = new ManualTime();
        var limiter = new ClientRateLimiter(perSecond: 10, burst: 5, time);
        var a = IPAddress.Parse("10.0.0.2");
        var b = IPAddress.Parse("10.0.0.3");
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire(a)));
        Assert.True(limiter.TryAcquire(b));
        time.Advance(TimeSpan.FromMilliseconds(300)); // 3 tokens
        Assert.Equal(3, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire(a)));
        time.Advance(TimeSpan.FromMinutes(1)); // refills to the burst, not beyond
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire(a)));
        Assert.True(new ClientRateLimiter(0, 0, time).Unlimited);
    }

    [Fact]
    public void A_flood_from_many_addresses_cannot_grow_the_table_without_bound()
    {
        var time = new ManualTime();
        var limiter = new ClientRateLimiter(perSecond: 1, burst: 2, time);
        var known = IPAddress.Parse("10.0.0.2");
        Assert.True(limiter.TryAcquire(known));
        for (var i = 0; i < ClientRateLimiter.MaxClients + 1000; i++)
        {
            limiter.TryAcquire(new IPAddress((uint)i + 0x01000000u));
        }
        // The known client kept its own bucket: one token left.
        Assert.True(limiter.TryAcquire(known));
        Assert.False(limiter.TryAcquire(known));
        // Newcomers beyond the table share one bucket, long empty by now.
        Assert.False(limiter.TryAcquire(IPAddress.Parse("192.0.2.200")));
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
