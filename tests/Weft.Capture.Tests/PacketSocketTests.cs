using Weft.Linux;
using Weft.Linux.Interop;
using Weft.Linux.Packets;
using Weft.Wire;
using Weft.Testing;

namespace Weft.Capture.Tests;

/// <summary>
/// The packet socket against a real kernel: frames sent raw out of one host's eth0 on the lab's underlay, read at another
/// host's eth0 across the switch, as `weft capture` reads a lab host's underlay.
/// </summary>
[RequiresRoot]
public sealed class PacketSocketTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly TestUnderlay _underlay = TestUnderlay.Create(hosts: 2);

    public void Dispose() => _underlay.Dispose();

    private UnderlayHost Sender => _underlay.Host(1);

    private UnderlayHost Receiver => _underlay.Host(2);

    [Fact]
    public void The_kernel_filter_passes_only_vxlan_and_counts_what_it_passed()
    {
        using var sender = PacketSocket.Open(Sender.Namespace, UnderlayHost.Interface);
        using var receiver = PacketSocket.Open(Receiver.Namespace, UnderlayHost.Interface, SocketFilter.Ipv4UdpDestinationPort(VxlanHeader.DefaultPort));
        var first = Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 7, 1), vni: 300);
        var second = Frames.Encapsulated(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 5201, 100), vni: 301);
        sender.Send(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 53, 30));
        sender.Send(first);
        sender.Send(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 7, 2));
        sender.Send(second);

        var buffer = new byte[4096];
        var n = receiver.Receive(buffer, Wait);
        Assert.Equal(first, buffer.AsSpan(0, n).ToArray());
        n = receiver.Receive(buffer, Wait);
        Assert.Equal(second, buffer.AsSpan(0, n).ToArray());
        Assert.Equal(-1, receiver.Receive(buffer, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(new PacketStatistics(2, 0), receiver.ReadStatistics());
        // The kernel resets its counters on each read; the socket keeps the totals.
        Assert.Equal(new PacketStatistics(2, 0), receiver.ReadStatistics());
    }

    [Fact]
    public void A_short_buffer_gets_the_start_of_the_frame_and_its_real_length()
    {
        using var sender = PacketSocket.Open(Sender.Namespace, UnderlayHost.Interface);
        using var receiver = PacketSocket.Open(Receiver.Namespace, UnderlayHost.Interface);
        var frame = Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 7, 1, payload: 1000));
        sender.Send(frame);
        var buffer = new byte[64];
        int n;
        do
        {
            n = receiver.Receive(buffer, Wait);
        }
        while (n != frame.Length && n > 0); // an unfiltered socket may also see the kernel's own frames (IPv6 DAD)
        Assert.Equal(frame.Length, n);
        Assert.Equal(frame.AsSpan(0, 64).ToArray(), buffer);
    }

    [Fact]
    public void A_full_receive_buffer_shows_up_as_kernel_drops()
    {
        using var sender = PacketSocket.Open(Sender.Namespace, UnderlayHost.Interface);
        // The kernel rounds a tiny buffer up to its minimum, which holds a handful of frames.
        using var receiver = PacketSocket.Open(Receiver.Namespace, UnderlayHost.Interface, SocketFilter.Ipv4UdpDestinationPort(VxlanHeader.DefaultPort), receiveBufferBytes: 1);
        var frame = Frames.Encapsulated(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 5201, 1000));
        for (var i = 0; i < 200; i++)
        {
            sender.Send(frame);
        }

        var buffer = new byte[2048];
        var received = 0;
        while (receiver.Receive(buffer, TimeSpan.FromMilliseconds(200)) > 0)
        {
            received++;
        }

        var stats = receiver.ReadStatistics();
        Assert.Equal(200, stats.Packets);
        Assert.True(stats.Drops > 0, $"expected drops, got {stats}");
        Assert.Equal(200 - stats.Drops, received);
    }

    [Fact]
    public void A_missing_interface_is_named_in_the_error()
    {
        var e = Assert.Throws<KernelException>(() => PacketSocket.Open(Receiver.Namespace, "nosuch0"));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Equal("nosuch0", e.ObjectName);
        Assert.Contains("nosuch0", e.Message, StringComparison.Ordinal);
    }
}
