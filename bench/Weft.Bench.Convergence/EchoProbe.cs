using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Weft.Linux;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Wire;

namespace Weft.Bench.Convergence;

/// <summary>
/// "Can this sandbox ping that address yet?", answered the same way for Weft and for Docker: a raw ICMP socket
/// created inside the probing sandbox's network namespace sends an echo request every <see cref="Interval"/> and
/// waits for the echo reply in between. No process is started per attempt, so the probe costs the same on both
/// sides and its resolution is the interval, not a fork and exec.
/// <para>
/// Only the socket's creation happens on a namespace thread (a socket belongs to the namespace it was made in);
/// every send and receive afterwards is a blocking call on the caller's thread, so no runtime thread (the socket
/// engine's epoll thread above all) is ever created inside the sandbox.
/// </para>
/// </summary>
internal sealed class EchoProbe : IDisposable
{
    /// <summary>How often an echo request goes out while no reply has come.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// The probing interface's ARP retransmit time. The kernel's default, 1 s, would quantise every figure to
    /// whole seconds: an address whose first ARP request went unanswered (its neighbour entry was not programmed
    /// yet) is asked again only a second later, however often the probe sends. 10 ms is the kernel's floor (HZ/100).
    /// </summary>
    public const int ArpRetransmitMilliseconds = 10;

    private readonly NetworkNamespace _namespace;
    private readonly Socket _socket;
    private readonly string _interface;
    private readonly ushort _identifier = (ushort)Random.Shared.Next(1, ushort.MaxValue);
    private readonly byte[] _request = new byte[IcmpHeader.HeaderLength + 24];
    private readonly byte[] _buffer = new byte[4096];
    private ushort _sequence;

    private EchoProbe(NetworkNamespace ns, Socket socket, string interfaceName)
    {
        _namespace = ns;
        _socket = socket;
        _interface = interfaceName;
    }

    /// <summary>Opens the probe in the namespace at <paramref name="namespacePath"/>, whose overlay interface is <paramref name="interfaceName"/>.</summary>
    public static EchoProbe Open(string namespacePath, string interfaceName)
    {
        var ns = NetworkNamespace.OpenPath(namespacePath);
        try
        {
            ns.WriteSysctl($"net/ipv4/neigh/{interfaceName}/retrans_time_ms", ArpRetransmitMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var socket = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
            return new EchoProbe(ns, socket, interfaceName);
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends echo requests to <paramref name="target"/> until one is answered; returns the <see cref="Stopwatch"/>
    /// timestamp at which the first reply was read, or null if none came within <paramref name="limit"/>.
    /// </summary>
    public long? WaitForReply(IPAddress target, TimeSpan limit, CancellationToken ct)
    {
        var destination = new IPEndPoint(target, 0);
        var source = WireAddress.From(target).V4Value;
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        var interval = (long)(Interval.TotalSeconds * Stopwatch.Frequency);
        var nextSend = 0L;
        while (!ct.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= deadline)
            {
                return null;
            }
            if (now >= nextSend)
            {
                Send(destination);
                nextSend = now + interval;
            }
            var waitMicroseconds = (int)Math.Max(1, (Math.Min(nextSend, deadline) - now) * 1_000_000 / Stopwatch.Frequency);
            if (!Poll(waitMicroseconds))
            {
                continue;
            }
            while (_socket.Available > 0)
            {
                int length;
                try
                {
                    length = _socket.Receive(_buffer);
                }
                catch (SocketException)
                {
                    // An ICMP error queued on the socket (host unreachable while ARP failed): not a reply.
                    break;
                }
                if (IsReply(_buffer.AsSpan(0, length), source))
                {
                    return Stopwatch.GetTimestamp();
                }
            }
        }
        ct.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>
    /// Forgets what the probing sandbox learned about <paramref name="target"/> (its ARP entry), so that an address
    /// probed in one trial cannot make the next trial's answer come from a cache.
    /// </summary>
    public void Forget(IPAddress target)
    {
        using var nl = _namespace.OpenNetlink();
        var index = nl.GetLink(_interface).Index;
        try
        {
            nl.DeleteNeighbor(new Neighbor(index, target));
        }
        catch (KernelException)
        {
            // Never resolved, or already gone.
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _namespace.Dispose();
    }

    private void Send(IPEndPoint destination)
    {
        var header = new IcmpHeader(IcmpHeader.EchoRequest, 0, 0, _identifier, ++_sequence);
        header.Write(_request);
        BinaryPrimitives.WriteInt64BigEndian(_request.AsSpan(IcmpHeader.HeaderLength), Stopwatch.GetTimestamp());
        IcmpHeader.FillV4(_request);
        try
        {
            _socket.SendTo(_request, destination);
        }
        catch (SocketException)
        {
            // No route or a pending error from an earlier failed resolution: the next interval tries again.
        }
    }

    private bool Poll(int microseconds)
    {
        try
        {
            return _socket.Poll(microseconds, SelectMode.SelectRead);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // A raw IPv4 socket hands over every ICMP packet in the namespace, IP header included; only an echo reply to
    // this probe (its identifier) from the target counts.
    private bool IsReply(ReadOnlySpan<byte> packet, uint source)
    {
        if (Ipv4Header.TryParse(packet, out var ip) != ParseStatus.Ok || ip.Protocol != IpProtocols.Icmp || ip.Source != source)
        {
            return false;
        }
        return IcmpHeader.TryParse(packet[ip.HeaderLength..], out var icmp) == ParseStatus.Ok
            && icmp.Type == IcmpHeader.EchoReply
            && icmp.Identifier == _identifier;
    }
}
