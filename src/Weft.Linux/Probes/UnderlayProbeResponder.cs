using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Weft.Linux.Interop;
using Weft.Linux.Links;
using Weft.Linux.Packets;

namespace Weft.Linux.Probes;

/// <summary>
/// The agent's side of `weft doctor`'s UDP 4789 probe. The kernel's VXLAN socket owns UDP 4789, so no program can bind
/// it; and a packet socket on the underlay would see a probe before the host's firewall drops it, answering for a port
/// that is in fact closed. So the probe goes where real VXLAN goes: a VXLAN device of its own (<see cref="DeviceName"/>,
/// VNI 0, sharing the kernel's UDP 4789 socket with the overlays' devices) decapsulates it after the firewall's INPUT
/// hook, and a packet socket on that device, with a kernel filter that passes only probe frames, wakes this responder
/// for probes and nothing else. The answer leaves from UDP port 4789 (a raw socket writes the UDP header), so to a
/// stateful firewall on the prober's host it is the reply of the flow the probe opened.
/// </summary>
public sealed class UnderlayProbeResponder : IDisposable
{
    public const string DeviceName = "weft-probe";

    private readonly PacketSocket _frames;
    private readonly Socket _replies;

    private UnderlayProbeResponder(PacketSocket frames, Socket replies)
    {
        _frames = frames;
        _replies = replies;
    }

    /// <summary>
    /// Builds the probe device on the underlay in the calling thread's namespace (replacing one an earlier agent left)
    /// and opens its sockets. The device has the overlays' VXLAN settings, so it shares their UDP socket.
    /// </summary>
    public static UnderlayProbeResponder Start(IPAddress underlayAddress, string underlayDevice)
    {
        ArgumentNullException.ThrowIfNull(underlayAddress);
        using var nl = NetlinkHandle.Open();
        if (nl.FindLink(DeviceName) is not null)
        {
            nl.DeleteLink(DeviceName);
        }
        var underlay = nl.GetLink(underlayDevice);
        nl.AddLink(new Vxlan
        {
            Name = DeviceName,
            Vni = UnderlayProbeMessage.Vni,
            Local = underlayAddress,
            UnderlayIndex = underlay.Index,
            Port = Vxlan.DefaultPort,
            Learning = false,
        });
        try
        {
            // No IPv6 link-local address, so the device itself never sends (router solicitations, MLD) into the underlay.
            var ipv6 = $"/proc/sys/net/ipv6/conf/{DeviceName}/disable_ipv6";
            if (File.Exists(ipv6))
            {
                File.WriteAllText(ipv6, "1\n");
            }
            nl.SetLinkUp(DeviceName);
            var frames = PacketSocket.Open(DeviceName, Filter(), receiveBufferBytes: 256 << 10);
            try
            {
                var replies = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp);
                replies.Bind(new IPEndPoint(underlayAddress, 0));
                return new UnderlayProbeResponder(frames, replies);
            }
            catch
            {
                frames.Dispose();
                throw;
            }
        }
        catch
        {
            nl.DeleteLink(DeviceName);
            throw;
        }
    }

    /// <summary>Removes the probe device an agent left, if any (`weft lab down`, tests).</summary>
    public static void RemoveDevice()
    {
        using var nl = NetlinkHandle.Open();
        if (nl.FindLink(DeviceName) is not null)
        {
            nl.DeleteLink(DeviceName);
        }
    }

    /// <summary>Probes answered since the start.</summary>
    public long Answered { get; private set; }

    /// <summary>Answers probes until <paramref name="stop"/> fires; blocks, so run it on a thread of its own.</summary>
    public void Run(CancellationToken stop)
    {
        var buffer = new byte[UnderlayProbeMessage.EthernetHeaderLength + 9216];
        // Stopping signals the wake-up, so the wait needs no timeout: an agent nobody probes is never woken here.
        using var stopped = new Wakeup();
        using var registration = stop.Register(stopped.Signal);
        while (!stop.IsCancellationRequested)
        {
            var length = _frames.Receive(buffer, Timeout.InfiniteTimeSpan, stopped);
            if (length < 0)
            {
                continue;
            }
            if (UnderlayProbeMessage.TryReadRequest(buffer.AsSpan(0, Math.Min(length, buffer.Length)), out var nonce, out var replyTo))
            {
                Answer(nonce, length, replyTo);
            }
        }
    }

    private void Answer(byte[] nonce, int frameLength, IPEndPoint replyTo)
    {
        var body = UnderlayProbeMessage.Reply(nonce, frameLength);
        var datagram = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, Vxlan.DefaultPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), (ushort)replyTo.Port);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)datagram.Length);
        // Checksum 0: "no checksum", valid for UDP over IPv4; the nonce check catches a damaged answer.
        body.CopyTo(datagram.AsSpan(8));
        try
        {
            _replies.SendTo(datagram, new IPEndPoint(replyTo.Address, 0));
            Answered++;
        }
        catch (SocketException)
        {
            // No route back, or a local firewall refused the answer: the prober reports the missing answer.
        }
    }

    /// <summary>EtherType 0x88B5 and the magic "WEFT" right after the Ethernet header; everything else never wakes us.</summary>
    internal static SocketFilter Filter() => new SocketFilterBuilder()
        .LoadHalf(12).JumpIfEqual(UnderlayProbeMessage.EtherType, null, "drop")
        .LoadWord(UnderlayProbeMessage.EthernetHeaderLength).JumpIfEqual(UnderlayProbeMessage.Magic, null, "drop")
        .Return(65535)
        .Label("drop").Return(0)
        .Build();

    public void Dispose()
    {
        _frames.Dispose();
        _replies.Dispose();
    }
}
