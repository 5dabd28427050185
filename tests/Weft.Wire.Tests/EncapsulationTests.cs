using Weft.Testing;

namespace Weft.Wire.Tests;

public class EncapsulationTests
{
    [Fact]
    public void Encapsulated_echo_decodes_back_to_the_same_inner_flow()
    {
        var inner = Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 3072, 0);
        var outer = Frames.Encapsulated(inner, vni: 256);
        Assert.Equal(inner.Length + 50, outer.Length);

        var f = VxlanFrame.Decode(outer);
        Assert.True(f.IsVxlan);
        Assert.Equal(256, f.Vni);
        Assert.Equal("198.18.0.2", f.Outer.Source.ToString());
        Assert.Equal("198.18.0.3", f.Outer.Destination.ToString());
        Assert.Equal((ushort)4789, f.Outer.DestinationPort);
        Assert.InRange(f.Outer.SourcePort, 49152, 65535);
        Assert.Equal("10.0.10.5", f.Inner.Source.ToString());
        Assert.Equal("10.0.10.6", f.Inner.Destination.ToString());
        Assert.Equal(IcmpHeader.EchoRequest, f.Inner.Icmp.Type);
        Assert.Equal((ushort)3072, f.Inner.Icmp.Identifier);
        Assert.True(outer.AsSpan(f.InnerOffset).SequenceEqual(inner));
        // Zero outer UDP checksum over IPv4, as RFC 7348 recommends, and still valid by RFC 768.
        Assert.Equal(0, outer[40] | outer[41]);
        Assert.True(UdpHeader.VerifyChecksum(outer.AsSpan(34), f.Outer.Source, f.Outer.Destination));
    }

    [Fact]
    public void Source_port_is_stable_per_flow_and_spreads_across_flows()
    {
        var a1 = Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 5201, 10);
        var a2 = Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 5201, 900);
        Assert.Equal(FlowHash.SourcePort(a1), FlowHash.SourcePort(a2));

        var ports = new HashSet<ushort>();
        for (ushort p = 1000; p < 1256; p++)
        {
            ports.Add(FlowHash.SourcePort(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, p, 5201, 0)));
        }
        // 256 flows into 16384 ports: with a reasonable hash nearly all are distinct.
        Assert.True(ports.Count > 240, $"only {ports.Count} distinct source ports for 256 flows");
    }

    [Fact]
    public void Encapsulation_refuses_a_short_buffer()
    {
        var inner = Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1);
        var tunnel = Frames.Tunnel();
        Assert.Throws<ArgumentException>(() => tunnel.Encapsulate(inner, new byte[inner.Length + 49]));
    }

    [Fact]
    public void Udp_to_another_port_is_not_taken_for_vxlan()
    {
        var f = VxlanFrame.Decode(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 4789, 53, 20));
        Assert.False(f.IsVxlan);
        Assert.Equal(Layer.Transport, f.Outer.Depth);
    }

    [Fact]
    public void Decode_and_encapsulate_allocate_nothing_per_packet()
    {
        var inner = Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 5201, 1400);
        var buffer = new byte[inner.Length + VxlanHeader.OverheadV4];
        var tunnel = Frames.Tunnel();
        var vni = 0;
        // Warm up so that JIT work is not counted.
        for (var i = 0; i < 100; i++)
        {
            tunnel.Encapsulate(inner, buffer);
            vni += VxlanFrame.Decode(buffer).Vni;
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            tunnel.Encapsulate(inner, buffer);
            vni += VxlanFrame.Decode(buffer).Vni;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(256 * 10_100, vni);
    }
}
