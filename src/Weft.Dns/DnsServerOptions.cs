namespace Weft.Dns;

/// <summary>Tuning of a <see cref="DnsServer"/>; the defaults suit an agent serving a host's sandboxes.</summary>
public sealed record DnsServerOptions
{
    /// <summary>TTL of locally answered records, and of negative answers (freshness over caching: endpoints come and go).</summary>
    public TimeSpan LocalTtl { get; init; } = TimeSpan.Zero;

    /// <summary>Sustained queries per second allowed from one client address; 0 = unlimited.</summary>
    public int ClientQueriesPerSecond { get; init; } = 5000;

    /// <summary>Queries a client may send at once before the per-second rate applies.</summary>
    public int ClientBurst { get; init; } = 10000;

    /// <summary>How long one upstream attempt waits for an answer.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts per forwarded query, over all upstream servers in turn.</summary>
    public int UpstreamAttempts { get; init; } = 2;

    /// <summary>Forwarded queries in flight at once per server; beyond it, SERVFAIL at once instead of piling up sockets.</summary>
    public int MaxPendingForwards { get; init; } = 1024;

    /// <summary>Open TCP connections per server, all clients together; further connections are closed at once.</summary>
    public int MaxTcpConnections { get; init; } = 1024;

    /// <summary>
    /// Open TCP connections per client address; further ones from it are closed at once, so one client holding idle
    /// connections cannot deny TCP to the others (a resolver needs one or two at a time).
    /// </summary>
    public int MaxTcpConnectionsPerClient { get; init; } = 16;

    /// <summary>A TCP connection with no complete query for this long is closed (RFC 7766 §6.2.3 suggests seconds).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
