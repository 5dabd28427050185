using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Weft.Dns;

/// <summary>
/// Accepts TCP connections and serves each on its own task: length-prefixed queries one after another
/// (RFC 7766), closed after <see cref="DnsServerOptions.TcpIdleTimeout"/> without a complete query, at EOF, or on
/// anything that is not a query. A connection beyond <see cref="DnsServerOptions.MaxTcpConnectionsPerClient"/> from its
/// client address, or beyond <see cref="DnsServerOptions.MaxTcpConnections"/> in all, is closed at once: one client
/// holding idle connections spends only its own share, as the rate limit does for UDP.
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
            IPAddress client;
            try
            {
                client = ((IPEndPoint)connection.RemoteEndPoint!).Address;
            }
            catch (SocketException)
            {
                connection.Dispose(); // gone between accept and here
                continue;
            }
            if (!pipeline.TryOpenTcp(client))
            {
                connection.Dispose();
                continue;
            }
            background.Run(() => ServeAsync(connection, client, stop));
        }
    }

    /// <summary>
    /// Serves one connection. Buffers are rented per query, not per connection, so an idle connection holds a socket and
    /// two bytes, and a client keeping its share of connections open costs the server almost nothing.
    /// </summary>
    private async Task ServeAsync(Socket connection, IPAddress client, CancellationToken stop)
    {
        var prefix = new byte[2];
        try
        {
            connection.NoDelay = true;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            while (true)
            {
                // The idle timer covers reading a whole query, so a client sending a length and then nothing is cut off too.
                deadline.CancelAfter(pipeline.Options.TcpIdleTimeout);
                if (!await TcpFraming.ReadExactlyAsync(connection, prefix, deadline.Token))
                {
                    return;
                }
                var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
                if (length == 0 || !await AnswerAsync(connection, client, length, deadline, stop))
                {
                    return;
                }
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
            pipeline.CloseTcp(client);
        }
    }

    /// <summary>Reads one query of <paramref name="length"/> bytes and sends its answer; false when the stream must end.</summary>
    private async Task<bool> AnswerAsync(Socket connection, IPAddress client, int length, CancellationTokenSource deadline, CancellationToken stop)
    {
        var message = ArrayPool<byte>.Shared.Rent(length);
        var response = ArrayPool<byte>.Shared.Rent(DnsReplies.MaxTcpMessage);
        var frame = ArrayPool<byte>.Shared.Rent(DnsReplies.MaxTcpMessage + 2);
        try
        {
            if (!await TcpFraming.ReadExactlyAsync(connection, message.AsMemory(0, length), deadline.Token))
            {
                return false;
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
                    return false; // not a query: nothing sensible follows on this stream
            }
            deadline.CancelAfter(pipeline.Options.TcpIdleTimeout); // a client that does not read is cut off as well
            await TcpFraming.SendAsync(connection, response.AsMemory(0, replyLength), frame, deadline.Token);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
            ArrayPool<byte>.Shared.Return(response);
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
