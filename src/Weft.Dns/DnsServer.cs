using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Weft.Dns;

/// <summary>
/// The DNS server the agent runs for its sandboxes: answers each client from the scope the directory gives it,
/// forwards the rest to the upstream resolvers, over UDP and TCP, on sockets the caller created.
/// </summary>
public sealed class DnsServer : IAsyncDisposable
{
    private readonly QueryPipeline _pipeline;
    private readonly Lock _lock = new();
    private readonly HashSet<DnsListener> _listeners = [];
    private bool _disposed;

    /// <param name="upstream">Where names no scope owns go; null = answer them SERVFAIL.</param>
    public DnsServer(IDnsDirectory directory, DnsUpstream? upstream, DnsServerOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        options ??= new DnsServerOptions();
        Options = options;
        Responder = new DnsResponder(directory, options, upstream is { Servers.Count: > 0 });
        _pipeline = new QueryPipeline(Responder, new ClientRateLimiter(options.ClientQueriesPerSecond, options.ClientBurst), upstream,
            options, Stats, logger ?? NullLogger.Instance);
    }

    public DnsServerOptions Options { get; }

    /// <summary>The pure decision logic this server runs for every message.</summary>
    public DnsResponder Responder { get; }

    /// <summary>Counters: queries, answered locally, forwarded, nxdomain, servfail, formerr, notimp, refused, rate-limited, tcp connections, …</summary>
    public DnsServerStats Stats { get; } = new();

    /// <summary>
    /// Serves queries arriving on sockets the caller created and bound (see <see cref="DnsListenerSockets.Bind"/>);
    /// this never creates a listening socket itself. The listener owns both sockets from here on, even if this
    /// throws, and closes them on <see cref="DnsListener.DisposeAsync"/>.
    /// </summary>
    /// <param name="listenerKey">Passed to <see cref="IDnsDirectory.ScopeFor"/> with every query from these sockets.</param>
    public DnsListener Listen(string listenerKey, Socket udp, Socket tcpListening)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(listenerKey);
            ArgumentNullException.ThrowIfNull(udp);
            ArgumentNullException.ThrowIfNull(tcpListening);
            if (udp.SocketType != SocketType.Dgram || tcpListening.SocketType != SocketType.Stream)
            {
                throw new ArgumentException("expected a UDP socket and a listening TCP socket");
            }
            if (udp.LocalEndPoint is null)
            {
                throw new ArgumentException("the UDP socket must be bound", nameof(udp));
            }
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var listener = new DnsListener(listenerKey, udp, tcpListening, _pipeline, Forget);
                _listeners.Add(listener);
                return listener;
            }
        }
        catch
        {
            udp?.Dispose();
            tcpListening?.Dispose();
            throw;
        }
    }

    /// <summary>Stops every listener still open.</summary>
    public async ValueTask DisposeAsync()
    {
        DnsListener[] listeners;
        lock (_lock)
        {
            _disposed = true;
            listeners = [.. _listeners];
        }
        foreach (var listener in listeners)
        {
            await listener.DisposeAsync();
        }
    }

    private void Forget(DnsListener listener)
    {
        lock (_lock)
        {
            _listeners.Remove(listener);
        }
    }
}
