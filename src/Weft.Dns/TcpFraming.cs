using System.Buffers.Binary;
using System.Net.Sockets;

namespace Weft.Dns;

/// <summary>DNS over TCP: every message preceded by its length in two bytes (RFC 1035 §4.2.2, RFC 7766 §8).</summary>
internal static class TcpFraming
{
    /// <summary>Fills <paramref name="buffer"/>; false when the peer closed first.</summary>
    public static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    /// <summary>Sends one message with its length prefix in a single send, so no Nagle delay splits the two.</summary>
    public static async ValueTask SendAsync(Socket socket, ReadOnlyMemory<byte> message, byte[] scratch, CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteUInt16BigEndian(scratch, (ushort)message.Length);
        message.Span.CopyTo(scratch.AsSpan(2));
        var frame = scratch.AsMemory(0, 2 + message.Length);
        while (frame.Length > 0)
        {
            var n = await socket.SendAsync(frame, SocketFlags.None, cancellationToken);
            frame = frame[n..];
        }
    }
}
