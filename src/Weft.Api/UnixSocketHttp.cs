using System.Net.Sockets;

namespace Weft.Api;

/// <summary>HTTP over a unix socket: the agent's API (CLI, weft-cni) and dockerd's (the agent's Docker integration).</summary>
public static class UnixSocketHttp
{
    /// <summary>
    /// A client whose every connection goes to <paramref name="socketPath"/>; the host name of
    /// <paramref name="baseAddress"/> is never resolved.
    /// </summary>
    public static HttpClient CreateClient(string socketPath, Uri baseAddress, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = timeout };
    }
}
