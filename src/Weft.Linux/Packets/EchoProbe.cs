using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Weft.Linux.Packets;

/// <summary>
/// ICMP echo (ping) over raw sockets, sent and collected without blocking: the caller sends a round of requests, and
/// at its next round drains whatever replies the kernel queued meanwhile. A peer's kernel answers echo by itself, so a
/// reply says its underlay address (its VTEP) is up whether or not any process runs there. Raw sockets need
/// CAP_NET_RAW (the agent runs as root); unprivileged ping sockets depend on net.ipv4.ping_group_range, which a new
/// network namespace leaves closed. The sockets belong to the namespace of the thread that first sends.
/// </summary>
/// <remarks>
/// A raw ICMP socket receives every ICMP message of its namespace; replies are told apart by this probe's identifier.
/// Draining after a whole round, on the caller's own schedule, means a process that was not scheduled for a while
/// still counts the replies that arrived meanwhile, so a busy machine never mistakes itself for a silent peer.
/// </remarks>
public sealed class EchoProbe : IDisposable
{
    private const int PayloadLength = 8;
    private readonly ushort _identifier = (ushort)Random.Shared.Next(1, ushort.MaxValue);
    private readonly byte[] _buffer = new byte[1500];
    private Socket? _v4;
    private Socket? _v6;
    private ushort _sequence;

    /// <summary>Sends one echo request to <paramref name="target"/>. A send that fails (no route, no raw socket) is reported as false, never thrown.</summary>
    public bool Send(IPAddress target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var v6 = target.AddressFamily == AddressFamily.InterNetworkV6;
        Socket socket;
        try
        {
            socket = v6 ? _v6 ??= Open(AddressFamily.InterNetworkV6) : _v4 ??= Open(AddressFamily.InterNetwork);
        }
        catch (SocketException)
        {
            return false; // no CAP_NET_RAW: nothing is ever answered, and peers are judged by their lease alone
        }
        Span<byte> message = stackalloc byte[8 + PayloadLength];
        message[0] = v6 ? (byte)128 : (byte)8;
        message[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], _identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], unchecked(++_sequence));
        BinaryPrimitives.WriteInt64BigEndian(message[8..], Environment.TickCount64);
        if (!v6)
        {
            // The kernel fills in ICMPv6 checksums on raw sockets (RFC 3542), not ICMPv4 ones.
            BinaryPrimitives.WriteUInt16BigEndian(message[2..], Checksum(message));
        }
        try
        {
            return socket.SendTo(message, SocketFlags.None, new IPEndPoint(target, 0)) == message.Length;
        }
        catch (SocketException)
        {
            return false; // no route, or the send buffer is full: the same to the caller as no answer
        }
    }

    /// <summary>The addresses that answered since the last call (each once), without waiting.</summary>
    public IReadOnlySet<IPAddress> DrainReplies()
    {
        var answered = new HashSet<IPAddress>();
        Drain(_v4, answered);
        Drain(_v6, answered);
        return answered;
    }

    private void Drain(Socket? socket, HashSet<IPAddress> answered)
    {
        if (socket is null)
        {
            return;
        }
        EndPoint from = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (socket.Available > 0)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(_buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                return;
            }
            // An IPv4 raw socket hands over the IP header too; an IPv6 one only the ICMPv6 message.
            var message = socket.AddressFamily == AddressFamily.InterNetwork ? _buffer.AsSpan(0, length)[((_buffer[0] & 0x0f) * 4)..] : _buffer.AsSpan(0, length);
            var reply = socket.AddressFamily == AddressFamily.InterNetwork ? 0 : 129;
            if (message.Length >= 8 && message[0] == reply && BinaryPrimitives.ReadUInt16BigEndian(message[4..]) == _identifier)
            {
                answered.Add(((IPEndPoint)from).Address);
            }
        }
    }

    private static Socket Open(AddressFamily family) =>
        new(family, SocketType.Raw, family == AddressFamily.InterNetworkV6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp) { Blocking = false };

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if (data.Length % 2 == 1)
        {
            sum += (uint)(data[^1] << 8);
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    public void Dispose()
    {
        _v4?.Dispose();
        _v6?.Dispose();
    }
}
