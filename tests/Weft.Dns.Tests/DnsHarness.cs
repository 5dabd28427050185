using System.Net;

namespace Weft.Dns.Tests;

/// <summary>A server with one listener on a free port of a loopback address, serving <see cref="TestScope.Standard"/>.</summary>
public sealed class DnsHarness : IAsyncDisposable
{
    private DnsHarness(DnsServer server, DnsListener listener, TestScope scope)
    {
        Server = server;
        Listener = listener;
        Scope = scope;
    }

    public DnsServer Server { get; }
    public DnsListener Listener { get; }
    public TestScope Scope { get; }
    public IPEndPoint EndPoint => Listener.LocalEndPoint;

    /// <param name="clients">The known client addresses; none = everyone.</param>
    public static DnsHarness Start(DnsUpstream? upstream = null, DnsServerOptions? options = null, IPAddress? address = null, params IPAddress[] clients)
    {
        var scope = TestScope.Standard();
        var server = new DnsServer(new TestDirectory(scope, clients), upstream, options);
        var (udp, tcp) = DnsListenerSockets.Bind(address ?? IPAddress.Loopback, 0);
        return new DnsHarness(server, server.Listen("net1", udp, tcp), scope);
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
