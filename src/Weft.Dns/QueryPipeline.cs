using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Weft.Dns;

/// <summary>
/// What every listener does with a message, whatever the transport: rate limit, respond, count, and forward
/// when the responder says so. Shared by all listeners of one <see cref="DnsServer"/>.
/// </summary>
internal sealed class QueryPipeline(DnsResponder responder, ClientRateLimiter limiter, DnsUpstream? upstream, DnsServerOptions options, DnsServerStats stats, ILogger log)
{
    private int _pendingForwards;
    private int _tcpConnections;
    private readonly ConcurrentDictionary<IPAddress, int> _tcpByClient = new();

    public DnsServerOptions Options => options;
    public DnsServerStats Stats => stats;
    public ILogger Log => log;

    /// <summary>Decides about one message; a reply is written into <paramref name="response"/>.</summary>
    public DnsDecision Decide(ReadOnlySpan<byte> message, string key, IPAddress client, DnsTransport transport, Span<byte> response)
    {
        stats.Query();
        if (!limiter.TryAcquire(client))
        {
            stats.RateLimit();
            return transport == DnsTransport.Udp ? DnsDecision.Drop : RefuseOverTcp(message, response);
        }
        var decision = responder.Respond(message, key, client, transport, response);
        switch (decision.Action)
        {
            case DnsAction.Reply:
                stats.Reply(decision.Rcode);
                if (decision.Local)
                {
                    stats.Local();
                }
                break;
            case DnsAction.Forward:
                stats.Forward();
                break;
            default:
                stats.Drop();
                break;
        }
        if (decision.Fault is { } fault)
        {
            stats.Error();
            log.LogWarning(fault, "DNS: the scope failed for a query on listener {Key} from {Client}; answered SERVFAIL", key, client);
        }
        return decision;
    }

    /// <summary>
    /// Asks upstream and writes the reply for the client: the relayed answer, or SERVFAIL when none came in
    /// time or too many forwards are already in flight.
    /// </summary>
    public async Task<int> ForwardAsync(byte[] message, DnsQuery query, DnsTransport transport, Memory<byte> response, CancellationToken cancellationToken)
    {
        byte[]? answer = null;
        if (upstream is not null && Interlocked.Increment(ref _pendingForwards) <= options.MaxPendingForwards)
        {
            try
            {
                answer = await upstream.ExchangeAsync(message, query.QuestionEnd, transport == DnsTransport.Tcp,
                    options.UpstreamTimeout, options.UpstreamAttempts, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _pendingForwards);
            }
            if (answer is null)
            {
                stats.UpstreamTimeout();
            }
        }
        else if (upstream is not null)
        {
            Interlocked.Decrement(ref _pendingForwards);
        }
        if (answer is null)
        {
            stats.Reply(DnsRcode.ServFail);
            return DnsReplies.Error(query, message, DnsRcode.ServFail, response.Span);
        }
        var length = DnsReplies.Relay(query, message, answer, transport, response.Span);
        stats.Reply(DnsHeader.TryRead(response.Span[..length], out var header) ? header.Rcode : DnsRcode.NoError);
        return length;
    }

    /// <summary>Admits a TCP connection from <paramref name="client"/> while both it and the server are under their limits.</summary>
    public bool TryOpenTcp(IPAddress client)
    {
        var ofClient = _tcpByClient.AddOrUpdate(client, 1, (_, n) => n + 1);
        if (ofClient <= options.MaxTcpConnectionsPerClient && Interlocked.Increment(ref _tcpConnections) <= options.MaxTcpConnections)
        {
            stats.TcpOpened();
            return true;
        }
        if (ofClient <= options.MaxTcpConnectionsPerClient)
        {
            Interlocked.Decrement(ref _tcpConnections);
        }
        ReleaseClient(client);
        stats.TcpReject();
        return false;
    }

    public void CloseTcp(IPAddress client)
    {
        Interlocked.Decrement(ref _tcpConnections);
        ReleaseClient(client);
        stats.TcpClosed();
    }

    private void ReleaseClient(IPAddress client)
    {
        // Drop the entry at zero, so clients that come and go leave nothing behind.
        if (_tcpByClient.AddOrUpdate(client, 0, (_, n) => n - 1) == 0)
        {
            _tcpByClient.TryRemove(new KeyValuePair<IPAddress, int>(client, 0));
        }
    }

    /// <summary>Over TCP the source cannot be spoofed and the client waits for an answer, so say REFUSED rather than go silent.</summary>
    private static DnsDecision RefuseOverTcp(ReadOnlySpan<byte> message, Span<byte> response)
    {
        var status = DnsQuery.Parse(message, out var query);
        if (status == DnsQueryStatus.Drop)
        {
            return DnsDecision.Drop;
        }
        var length = status is DnsQueryStatus.Ok or DnsQueryStatus.BadVersion
            ? DnsReplies.Error(query, message, DnsRcode.Refused, response)
            : DnsReplies.HeaderOnly(query.Header, DnsRcode.Refused, response);
        return new DnsDecision(DnsAction.Reply, length, DnsRcode.Refused, false, query);
    }
}
