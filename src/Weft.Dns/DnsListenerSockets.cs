using System.Net;
using System.Net.Sockets;

namespace Weft.Dns;

/// <summary>Creates the pair of sockets a <see cref="DnsListener"/> serves.</summary>
public static class DnsListenerSockets
{
    private const int SolIp = 0;
    private const int IpFreebind = 15;
    private const int SolIpv6 = 41;
    private const int Ipv6Freebind = 78;

    /// <summary>
    /// Creates a UDP socket and a listening TCP socket bound to address:port (port 0 = any; both sockets on the
    /// same port). Sets IP_FREEBIND so binding works before the address is configured, and SO_REUSEADDR. The caller
    /// may call this on a thread that has entered another network namespace: the sockets belong to that namespace
    /// afterwards. The UDP socket gets a 1 MiB receive buffer (capped by net.core.rmem_max).
    /// </summary>
    public static (Socket Udp, Socket Tcp) Bind(IPAddress address, int port = 53)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        // With port 0 the kernel picks a free UDP port, which may be taken for TCP: then try another.
        for (var attempt = 0; ; attempt++)
        {
            Socket? udp = null;
            Socket? tcp = null;
            try
            {
                udp = Create(address, SocketType.Dgram, ProtocolType.Udp);
                // Room for a burst from many sandboxes at once (the kernel caps it at net.core.rmem_max): datagrams
                // the kernel drops for a full buffer never reach the rate limiter that would keep clients apart.
                udp.ReceiveBufferSize = 1 << 20;
                udp.Bind(new IPEndPoint(address, port));
                var bound = ((IPEndPoint)udp.LocalEndPoint!).Port;
                tcp = Create(address, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(address, bound));
                tcp.Listen(128);
                return (udp, tcp);
            }
            catch (SocketException e) when (port == 0 && attempt < 20 && e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                udp?.Dispose();
                tcp?.Dispose();
            }
            catch
            {
                udp?.Dispose();
                tcp?.Dispose();
                throw;
            }
        }
    }

    private static Socket Create(IPAddress address, SocketType type, ProtocolType protocol)
    {
        var socket = new Socket(address.AddressFamily, type, protocol);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            Span<byte> one = [1, 0, 0, 0];
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
                socket.SetRawSocketOption(SolIpv6, Ipv6Freebind, one);
            }
            else
            {
                socket.SetRawSocketOption(SolIp, IpFreebind, one);
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
