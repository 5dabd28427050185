namespace Weft.Dns;

/// <summary>Counters of a <see cref="DnsServer"/> since it started; safe to read from any thread at any time.</summary>
public sealed class DnsServerStats
{
    private long _queries;
    private long _answeredLocally;
    private long _forwarded;
    private long _nxDomain;
    private long _servFail;
    private long _formErr;
    private long _notImp;
    private long _refused;
    private long _rateLimited;
    private long _dropped;
    private long _tcpConnections;
    private long _tcpRejected;
    private long _tcpOpen;
    private long _upstreamTimeouts;
    private long _errors;

    /// <summary>Messages received, over UDP and TCP, including those later dropped or refused.</summary>
    public long Queries => Volatile.Read(ref _queries);
    /// <summary>Replies from a client's scope: addresses, PTR, NODATA or NXDOMAIN.</summary>
    public long AnsweredLocally => Volatile.Read(ref _answeredLocally);
    /// <summary>Queries handed to the upstream resolvers (whatever came back).</summary>
    public long Forwarded => Volatile.Read(ref _forwarded);
    /// <summary>Replies sent with this code, local or relayed.</summary>
    public long NxDomain => Volatile.Read(ref _nxDomain);
    public long ServFail => Volatile.Read(ref _servFail);
    /// <summary>FORMERR replies, and BADVERS (an EDNS version other than 0).</summary>
    public long FormErr => Volatile.Read(ref _formErr);
    public long NotImp => Volatile.Read(ref _notImp);
    public long Refused => Volatile.Read(ref _refused);
    /// <summary>Queries over a client's rate: UDP ones dropped, TCP ones answered REFUSED.</summary>
    public long RateLimited => Volatile.Read(ref _rateLimited);
    /// <summary>Messages not answered at all: shorter than a header, or responses.</summary>
    public long Dropped => Volatile.Read(ref _dropped);
    /// <summary>TCP connections accepted and served.</summary>
    public long TcpConnections => Volatile.Read(ref _tcpConnections);
    /// <summary>TCP connections open right now (a gauge, not a counter).</summary>
    public long TcpOpen => Volatile.Read(ref _tcpOpen);
    /// <summary>TCP connections closed at once because <see cref="DnsServerOptions.MaxTcpConnections"/> were open.</summary>
    public long TcpRejected => Volatile.Read(ref _tcpRejected);
    /// <summary>Forwarded queries for which no upstream answered in time.</summary>
    public long UpstreamTimeouts => Volatile.Read(ref _upstreamTimeouts);
    /// <summary>Unexpected exceptions while handling a message (each logged); the server kept serving.</summary>
    public long Errors => Volatile.Read(ref _errors);

    internal void Query() => Interlocked.Increment(ref _queries);
    internal void Local() => Interlocked.Increment(ref _answeredLocally);
    internal void Forward() => Interlocked.Increment(ref _forwarded);
    internal void RateLimit() => Interlocked.Increment(ref _rateLimited);
    internal void Drop() => Interlocked.Increment(ref _dropped);
    internal void TcpOpened()
    {
        Interlocked.Increment(ref _tcpConnections);
        Interlocked.Increment(ref _tcpOpen);
    }

    internal void TcpClosed() => Interlocked.Decrement(ref _tcpOpen);
    internal void TcpReject() => Interlocked.Increment(ref _tcpRejected);
    internal void UpstreamTimeout() => Interlocked.Increment(ref _upstreamTimeouts);
    internal void Error() => Interlocked.Increment(ref _errors);

    /// <summary>Counts a reply by its response code.</summary>
    internal void Reply(DnsRcode rcode)
    {
        switch (rcode)
        {
            case DnsRcode.NxDomain: Interlocked.Increment(ref _nxDomain); break;
            case DnsRcode.ServFail: Interlocked.Increment(ref _servFail); break;
            case DnsRcode.FormErr or DnsRcode.BadVers: Interlocked.Increment(ref _formErr); break;
            case DnsRcode.NotImp: Interlocked.Increment(ref _notImp); break;
            case DnsRcode.Refused: Interlocked.Increment(ref _refused); break;
        }
    }

    public override string ToString() =>
        $"queries={Queries} local={AnsweredLocally} forwarded={Forwarded} nxdomain={NxDomain} servfail={ServFail} formerr={FormErr} " +
        $"notimp={NotImp} refused={Refused} ratelimited={RateLimited} dropped={Dropped} tcp={TcpConnections} tcpopen={TcpOpen} tcprejected={TcpRejected} " +
        $"upstreamtimeouts={UpstreamTimeouts} errors={Errors}";
}
