using System.Net;
using System.Net.Sockets;

namespace Weft.Dns;

/// <summary>One UDP socket and one listening TCP socket served by a <see cref="DnsServer"/> under one key.</summary>
public sealed class DnsListener : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskTracker _background = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private readonly Action<DnsListener> _onDisposed;
    private readonly Lock _lock = new();
    private Task? _disposal;

    internal DnsListener(string key, Socket udp, Socket tcp, QueryPipeline pipeline, Action<DnsListener> onDisposed)
    {
        Key = key;
        _udp = udp;
        _tcp = tcp;
        _onDisposed = onDisposed;
        LocalEndPoint = (IPEndPoint)udp.LocalEndPoint!;
        _udpLoop = Task.Run(() => new UdpLoop(key, udp, pipeline, _background).RunAsync(_stop.Token));
        _tcpLoop = Task.Run(() => new TcpLoop(key, tcp, pipeline, _background).RunAsync(_stop.Token));
    }

    public string Key { get; }

    /// <summary>The address and port served (the same for UDP and TCP).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Stops serving: closes both sockets, ends open TCP connections and in-flight forwards, and waits for them.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposal ??= DisposeCoreAsync();
            return new ValueTask(_disposal);
        }
    }

    private async Task DisposeCoreAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop).ContinueWith(_ => { }, TaskScheduler.Default);
        await _background.DrainAsync();
        _stop.Dispose();
        _onDisposed(this);
    }
}
