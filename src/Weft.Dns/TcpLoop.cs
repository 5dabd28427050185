using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Weft.Dns;

/// <summary>
/// Accepts TCP connections and serves each on its own task: length-prefixed queries one after another
/// (RFC 7766), closed after <see cref="DnsServerOptions.TcpIdleTimeout"/> without a complete query, at EOF, or on
/// anything that is not a query. Connections beyond <see cref="DnsServerOptions.MaxTcpConnections"/> are closed at once.
/// </summary>
internal sealed class TcpLoop(string key, Socket listening, QueryPipeline pipeline, TaskTracker background)
{
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listening.AcceptAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                || (e is SocketException s && (stop.IsCancellationRequested || s.SocketErrorCode is SocketError.OperationAborted or SocketError.Shutdown)))
            {
                return;
            }
            catch (SocketException e)
            {
                // E.g. out of file descriptors: wait a little instead of spinning on the same error.
                pipeline.Log.LogWarning("DNS: accept on {Key}: {Error}", key, e.Message);
                try
                {
                    await Task.Delay(100, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (!pipeline.TryOpenTcp())
            {
                connection.Dispose();
                continue;
            }
            background.Run(() => ServeAsync(connection, stop));
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stop)
    {
        var message = ArrayPool<byte>.Shared.Rent(DnsReplies.MaxTcpMessage);
        var response = ArrayPool<byte>.Shared.Rent(DnsReplies.MaxTcpMessage);
        var frame = ArrayPool<byte>.Shared.Rent(DnsReplies.MaxTcpMessage + 2);
        IPAddress? client = null;
        try
        {
            connection.NoDelay = true;
            client = ((IPEndPoint)connection.RemoteEndPoint!).Address;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            while (true)
            {
                // The idle timer covers reading a whole query, so a client sending a length and then nothing is cut off too.
                deadline.CancelAfter(pipeline.Options.TcpIdleTimeout);
                if (!await TcpFraming.ReadExactlyAsync(connection, message.AsMemory(0, 2), deadline.Token))
                {
                    return;
                }
                var length = BinaryPrimitives.ReadUInt16BigEndian(message);
                if (length == 0 || !await TcpFraming.ReadExactlyAsync(connection, message.AsMemory(0, length), deadline.Token))
                {
                    return;
                }
                var decision = pipeline.Decide(message.AsSpan(0, length), key, client, DnsTransport.Tcp, response.AsSpan(0, DnsReplies.MaxTcpMessage));
                int replyLength;
                switch (decision.Action)
                {
                    case DnsAction.Reply:
                        replyLength = decision.Length;
                        break;
                    case DnsAction.Forward:
                        deadline.CancelAfter(Timeout.InfiniteTimeSpan); // the forward has its own timeouts
                        replyLength = await pipeline.ForwardAsync(message.AsSpan(0, length).ToArray(), decision.Query, DnsTransport.Tcp,
                            response.AsMemory(0, DnsReplies.MaxTcpMessage), stop);
                        break;
                    default:
                        return; // not a query: nothing sensible follows on this stream
                }
                deadline.CancelAfter(pipeline.Options.TcpIdleTimeout); // a client that does not read is cut off as well
                await TcpFraming.SendAsync(connection, response.AsMemory(0, replyLength), frame, deadline.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Idle timeout, shutdown, or the client went away.
        }
        catch (Exception e)
        {
            pipeline.Stats.Error();
            pipeline.Log.LogWarning(e, "DNS: TCP connection from {Client} on {Key}", client, key);
        }
        finally
        {
            connection.Dispose();
            pipeline.CloseTcp();
            ArrayPool<byte>.Shared.Return(message);
            ArrayPool<byte>.Shared.Return(response);
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
