using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Weft.Dns;

/// <summary>
/// Receives datagrams on one UDP socket and answers each. Local answers are sent from the loop itself (the
/// scope is in memory); forwards run on their own tasks, so a slow upstream never holds up the next datagram.
/// </summary>
/// <remarks>
/// The loop is a thread of its own blocked in recvfrom, and every operation on the socket is synchronous, so .NET
/// keeps it a blocking socket: a datagram wakes this thread directly. An async loop goes through the epoll thread
/// and then a thread-pool thread, two wake-ups that a busy host delays, and that is where the tail latency was.
/// The receive has no timeout, so an idle listener never wakes: the listener stops it by disposing the socket, which
/// .NET turns into a shutdown(2) that ends a receive blocked on it.
/// </remarks>
internal sealed class UdpLoop(string key, Socket socket, QueryPipeline pipeline, TaskTracker background)
{
    /// <summary>The largest UDP response ever sent: the EDNS clamp.</summary>
    private const int MaxResponse = 4096;

    /// <summary>Starts the loop on its own thread; the task ends when the loop does.</summary>
    public Task RunAsync(CancellationToken stop)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            Run(stop);
            finished.SetResult();
        })
        {
            IsBackground = true,
            Name = $"dns-udp {key}",
        };
        thread.Start();
        return finished.Task;
    }

    private void Run(CancellationToken stop)
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
                received = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (Exception e) when (e is ObjectDisposedException
                || (e is SocketException s && (stop.IsCancellationRequested || s.SocketErrorCode is SocketError.OperationAborted or SocketError.Shutdown)))
            {
                return;
            }
            catch (SocketException e)
            {
                if (e.SocketErrorCode is not (SocketError.TimedOut or SocketError.WouldBlock))
                {
                    pipeline.Log.LogDebug("DNS: receive on {Key}: {Error}", key, e.Message);
                }
                continue;
            }
            if (stop.IsCancellationRequested)
            {
                return;
            }
            try
            {
                var client = (IPEndPoint)template.Create(from);
                var decision = pipeline.Decide(buffer.AsSpan(0, received), key, client.Address, DnsTransport.Udp, response);
                if (decision.Action == DnsAction.Reply)
                {
                    socket.SendTo(response.AsSpan(0, decision.Length), SocketFlags.None, from);
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
            // Synchronous, as everything on this socket (see the remarks above); a UDP send does not wait for the peer.
            socket.SendTo(response.AsSpan(0, length), SocketFlags.None, client);
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
