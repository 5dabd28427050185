using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Weft.Dns;

/// <summary>
/// Receives datagrams on one UDP socket and answers each. Local answers are sent from the loop itself (the
/// scope is in memory); forwards run on their own tasks, so a slow upstream never holds up the next datagram.
/// </summary>
internal sealed class UdpLoop(string key, Socket socket, QueryPipeline pipeline, TaskTracker background)
{
    /// <summary>The largest UDP response ever sent: the EDNS clamp.</summary>
    private const int MaxResponse = 4096;

    public async Task RunAsync(CancellationToken stop)
    {
        var buffer = new byte[65536];
        var response = new byte[MaxResponse];
        var from = new SocketAddress(socket.AddressFamily);
        var template = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                || (e is SocketException s && (stop.IsCancellationRequested || s.SocketErrorCode is SocketError.OperationAborted or SocketError.Shutdown)))
            {
                return;
            }
            catch (SocketException e)
            {
                pipeline.Log.LogDebug("DNS: receive on {Key}: {Error}", key, e.Message);
                continue;
            }
            try
            {
                var client = (IPEndPoint)template.Create(from);
                var decision = pipeline.Decide(buffer.AsSpan(0, received), key, client.Address, DnsTransport.Udp, response);
                if (decision.Action == DnsAction.Reply)
                {
                    // Not the SocketAddress overload: it clears the address of its cached event args after handing
                    // them back, which races with a forward's reply sent concurrently on the same socket (an NRE in
                    // the runtime, seen under dnsperf). The EndPoint overload has no such window.
                    await socket.SendToAsync(response.AsMemory(0, decision.Length), SocketFlags.None, client, stop);
                }
                else if (decision.Action == DnsAction.Forward)
                {
                    var message = buffer.AsSpan(0, received).ToArray();
                    background.Run(() => ForwardAsync(message, decision.Query, client, stop));
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                // One bad datagram, or a failed send to one client, must never end the loop.
                pipeline.Stats.Error();
                pipeline.Log.LogWarning(e, "DNS: handling a datagram on {Key}", key);
            }
            catch (Exception)
            {
                return;
            }
        }
    }

    private async Task ForwardAsync(byte[] message, DnsQuery query, IPEndPoint client, CancellationToken stop)
    {
        var response = ArrayPool<byte>.Shared.Rent(MaxResponse);
        try
        {
            var length = await pipeline.ForwardAsync(message, query, DnsTransport.Udp, response.AsMemory(0, MaxResponse), stop);
            await socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, client, stop);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && stop.IsCancellationRequested)
        {
            // The listener is closing.
        }
        catch (Exception e)
        {
            pipeline.Stats.Error();
            pipeline.Log.LogWarning(e, "DNS: forwarding a query from {Client} on {Key}", client, key);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(response);
        }
    }
}
