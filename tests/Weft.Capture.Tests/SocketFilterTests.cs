using System.Buffers.Binary;
using Weft.Linux.Packets;
using Weft.Wire;
using Weft.Core.Addressing;
using Weft.Testing;

namespace Weft.Capture.Tests;

/// <summary>The VXLAN filter, run by an interpreter of the same instruction set the kernel runs (the kernel test runs it for real).</summary>
public sealed class SocketFilterTests
{
    private static readonly SocketFilter Vxlan = SocketFilter.Ipv4UdpDestinationPort(VxlanHeader.DefaultPort);

    [Fact]
    public void The_program_is_the_one_tcpdump_compiles_for_ip_and_udp_dst_port_4789()
    {
        // The IPv4 half of what `tcpdump -dd "udp dst port 4789"` prints for Ethernet, written out by hand.
        SocketFilterInstruction[] expected =
        [
            new(0x28, 0, 0, 0x0000000c),
            new(0x15, 0, 8, 0x00000800),
            new(0x30, 0, 0, 0x00000017),
            new(0x15, 0, 6, 0x00000011),
            new(0x28, 0, 0, 0x00000014),
            new(0x45, 4, 0, 0x00001fff),
            new(0xb1, 0, 0, 0x0000000e),
            new(0x48, 0, 0, 0x00000010),
            new(0x15, 0, 1, 0x000012b5),
            new(0x06, 0, 0, 0x00040000),
            new(0x06, 0, 0, 0x00000000),
        ];
        Assert.Equal(expected, Vxlan.Instructions);
    }

    [Fact]
    public void Accepts_vxlan_and_rejects_everything_else()
    {
        var vxlan = Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1));
        Assert.Equal(262144u, Vxlan.Run(vxlan));
        Assert.Equal(0u, Vxlan.Run(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 4789, 53, 20)));   // source port 4789 is not enough
        Assert.Equal(0u, Vxlan.Run(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1)));
        Assert.Equal(0u, Vxlan.Run(Frames.Udp6WithExtensions(1, 2, 1000, 4789, 8)));           // IPv4 only
        Assert.Equal(0u, Vxlan.Run(vxlan.AsSpan(0, 20)));                                         // too short: the kernel drops too

        var arp = new byte[EthernetHeader.Length + ArpPacket.Length];
        new EthernetHeader(MacAddress.Broadcast, Frames.ShellMac, EtherTypes.Arp).Write(arp);
        new ArpPacket(ArpPacket.Request, Frames.ShellMac, Frames.ShellIp, default, Frames.Shell2Ip).Write(arp.AsSpan(EthernetHeader.Length));
        Assert.Equal(0u, Vxlan.Run(arp));
    }

    [Fact]
    public void Later_fragments_are_rejected_and_ip_options_are_skipped()
    {
        var vxlan = Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1));
        var fragment = (byte[])vxlan.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(14 + 6), 185); // offset 1480
        Assert.Equal(0u, Vxlan.Run(fragment));

        // The same datagram with 4 bytes of IPv4 options (a NOP list) before the UDP header.
        var inner = Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1);
        var withOptions = new byte[vxlan.Length + 4];
        var o = new EthernetHeader(MacAddress.Broadcast, Frames.ShellMac, EtherTypes.Ipv4).Write(withOptions);
        var ipLength = withOptions.Length - EthernetHeader.Length;
        o += new Ipv4Header { TotalLength = (ushort)ipLength, Ttl = 64, Protocol = IpProtocols.Udp, Source = 1, Destination = 2 }
            .Write(withOptions.AsSpan(o), [1, 1, 1, 1]);
        o += new UdpHeader(5000, VxlanHeader.DefaultPort, (ushort)(ipLength - 24)).Write(withOptions.AsSpan(o));
        o += new VxlanHeader(256).Write(withOptions.AsSpan(o));
        inner.CopyTo(withOptions.AsSpan(o));
        Assert.Equal(262144u, Vxlan.Run(withOptions));
    }

    [Fact]
    public void Builder_resolves_labels_and_refuses_backward_or_missing_ones()
    {
        var program = new SocketFilterBuilder().LoadHalf(12).JumpIfEqual(1, "yes", null).Return(0).Label("yes").Return(100).Build();
        Assert.Equal(1, program.Instructions[1].JumpTrue);
        Assert.Equal(0, program.Instructions[1].JumpFalse);
        Assert.Throws<InvalidOperationException>(() => new SocketFilterBuilder().Label("back").LoadHalf(12).JumpIfEqual(1, "back", null).Return(0).Build());
        Assert.Throws<InvalidOperationException>(() => new SocketFilterBuilder().JumpIfEqual(1, "nowhere", null).Return(0).Build());
        Assert.Throws<InvalidOperationException>(() => new SocketFilterBuilder().Build());
    }
}
