using System.Net;
using System.Net.Sockets;
using Weft.Linux.Links;

namespace Weft.Linux.Probes;

/// <summary>What one peer's probe found.</summary>
/// <param name="Answered">A small probe to the peer's UDP 4789 got its agent's answer.</param>
/// <param name="FullSizeAnswered">A probe as large as <paramref name="FullSize"/>, sent with Don't Fragment, got its answer.</param>
/// <param name="FullSize">The outer packet size tried: this host's underlay MTU.</param>
/// <param name="PathMtu">The kernel's path MTU to the peer after the probes (lowered by ICMP "fragmentation needed").</param>
public sealed record UnderlayProbeResult(bool Answered, bool FullSizeAnswered, int FullSize, int PathMtu);

/// <summary>
/// `weft doctor`'s side of the UDP 4789 probe (see <see cref="UnderlayProbeResponder"/>): from a UDP socket on this host's
/// underlay address, a small VXLAN probe to the peer's port 4789, then one as large as the underlay MTU with Don't
/// Fragment set, each tried a few times since UDP may lose one.
/// </summary>
public static class UnderlayProber
{
    private const int Attempts = 3;
    private const int IpMtu = 14; // IP_MTU: the socket's current path MTU (connected sockets)

    public static async Task<UnderlayProbeResult> ProbeAsync(IPAddress local, IPAddress peer, int underlayMtu, TimeSpan timeoutPerAttempt, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // Don't Fragment (IP_PMTUDISC_DO): a probe that does not fit the path is dropped, or refused here, never split.
        socket.DontFragment = true;
        socket.Bind(new IPEndPoint(local, 0));
        socket.Connect(new IPEndPoint(peer, Vxlan.DefaultPort));
        var replyTo = (IPEndPoint)socket.LocalEndPoint!;
        var answered = await TryAsync(socket, replyTo, UnderlayProbeMessage.MinimumPacketLength, timeoutPerAttempt, cancellationToken);
        var fullSize = answered && await TryAsync(socket, replyTo, underlayMtu, timeoutPerAttempt, cancellationToken);
        return new UnderlayProbeResult(answered, fullSize, underlayMtu, PathMtu(socket, underlayMtu));
    }

    private static async Task<bool> TryAsync(Socket socket, IPEndPoint replyTo, int packetLength, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            // The nonce only pairs an answer with its probe; Random, not RandomNumberGenerator, whose OpenSSL would stay mapped.
            var nonce = new byte[UnderlayProbeMessage.NonceLength];
            Random.Shared.NextBytes(nonce);
            try
            {
                await socket.SendAsync(UnderlayProbeMessage.Request(nonce, replyTo, packetLength), cancellationToken);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                // Too big for the path MTU the kernel already knows, or an ICMP error from an earlier attempt: try again
                // (the next send of a too-big probe fails the same way, and the caller reads the path MTU).
                continue;
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                    if (UnderlayProbeMessage.TryReadReply(buffer.AsSpan(0, n), nonce, out _))
                    {
                        return true;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No answer in time: the next attempt.
            }
            catch (SocketException)
            {
                // ICMP port or host unreachable reported on the connected socket: the next attempt, then "no answer".
            }
        }
        return false;
    }

    private static int PathMtu(Socket socket, int fallback)
    {
        Span<byte> value = stackalloc byte[4];
        try
        {
            return socket.GetRawSocketOption((int)SocketOptionLevel.IP, IpMtu, value) == 4 ? BitConverter.ToInt32(value) : fallback;
        }
        catch (SocketException)
        {
            return fallback;
        }
    }
}
