using Weft.Testing;
namespace Weft.Wire.Tests;

public class HeaderRoundTripTests
{
    [Theory]
    [InlineData(EthernetHeader.NoVlan)]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(4095)]
    public void Ethernet_with_and_without_an_8021q_tag(int vlan)
    {
        var h = new EthernetHeader(Frames.Shell2Mac, Frames.ShellMac, EtherTypes.Ipv6, vlan);
        var buf = new byte[32];
        var n = h.Write(buf);
        Assert.Equal(h.HeaderLength, n);
        Assert.Equal(ParseStatus.Ok, EthernetHeader.TryParse(buf, out var back));
        Assert.Equal(h, back);
    }

    [Fact]
    public void Ethernet_8023_length_field_is_not_taken_for_an_ethertype()
    {
        var buf = new byte[60];
        buf[12] = 0x00;
        buf[13] = 0x2e;
        Assert.Equal(ParseStatus.Unsupported, EthernetHeader.TryParse(buf, out _));
    }

    [Fact]
    public void Arp_request_round_trips()
    {
        var arp = new ArpPacket(ArpPacket.Request, Frames.ShellMac, Frames.ShellIp, default, Frames.Shell2Ip);
        var buf = new byte[ArpPacket.Length];
        arp.Write(buf);
        Assert.Equal(ParseStatus.Ok, ArpPacket.TryParse(buf, out var back));
        Assert.Equal(arp, back);
        buf[5] = 16; // protocol address length of IPv6: not ARP for IPv4
        Assert.Equal(ParseStatus.Unsupported, ArpPacket.TryParse(buf, out _));
    }

    [Fact]
    public void Ipv4_with_options_round_trips_and_its_checksum_verifies()
    {
        byte[] options = [0x94, 0x04, 0x00, 0x00]; // Router Alert
        var h = new Ipv4Header
        {
            Tos = 0xb8,
            TotalLength = 24 + 10,
            Identification = 0xbeef,
            MoreFragments = true,
            FragmentOffset = 1480,
            Ttl = 3,
            Protocol = IpProtocols.Udp,
            Source = Frames.ShellIp,
            Destination = Frames.Shell2Ip,
        };
        var buf = new byte[34];
        Assert.Equal(24, h.Write(buf, options));
        Assert.Equal(ParseStatus.Ok, Ipv4Header.TryParse(buf, out var back));
        Assert.Equal(24, back.HeaderLength);
        Assert.Equal(h with { HeaderLength = 24, Checksum = back.Checksum }, back);
        Assert.False(back.IsFirstFragment);
        Assert.Equal(0, InternetChecksum.Compute(buf.AsSpan(0, 24)));
    }

    [Fact]
    public void Ipv4_reports_each_kind_of_damage()
    {
        var frame = Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1);
        var ip = frame.AsSpan(EthernetHeader.Length).ToArray();
        Assert.Equal(ParseStatus.Ok, Ipv4Header.TryParse(ip, out _));

        Assert.Equal(ParseStatus.Truncated, Ipv4Header.TryParse(ip.AsSpan(0, 19), out _));
        Assert.Equal(ParseStatus.Truncated, Ipv4Header.TryParse(ip.AsSpan(0, ip.Length - 1), out _));

        var v6 = (byte[])ip.Clone();
        v6[0] = 0x65;
        Assert.Equal(ParseStatus.BadVersion, Ipv4Header.TryParse(v6, out _));

        var shortIhl = (byte[])ip.Clone();
        shortIhl[0] = 0x44;
        Assert.Equal(ParseStatus.BadLength, Ipv4Header.TryParse(shortIhl, out _));

        var badSum = (byte[])ip.Clone();
        badSum[8] ^= 0xFF; // TTL changed without fixing the checksum
        Assert.Equal(ParseStatus.BadChecksum, Ipv4Header.TryParse(badSum, out _));
    }

    [Fact]
    public void Ipv6_walks_extension_headers_to_udp_and_its_checksum_verifies()
    {
        UInt128 src = new(0xfd00_0000_0000_0000, 5), dst = new(0xfd00_0000_0000_0000, 6);
        var frame = Frames.Udp6WithExtensions(src, dst, 5353, 53, 11);
        var l = FrameLayers.Decode(frame);
        Assert.Equal(Layer.Transport, l.Depth);
        Assert.Equal(IpProtocols.Udp, l.Protocol);
        Assert.Equal(EthernetHeader.Length + 40 + 24, l.TransportOffset);
        Assert.Equal((ushort)5353, l.SourcePort);
        Assert.Equal((ushort)53, l.DestinationPort);
        Assert.Equal(11, l.PayloadLength);
        Assert.Equal("fd00::5", l.Source.ToString());
        var seg = frame.AsSpan(l.TransportOffset);
        Assert.True(UdpHeader.VerifyChecksum(seg, l.Source, l.Destination));
        seg[^1] ^= 1;
        Assert.False(UdpHeader.VerifyChecksum(seg, l.Source, l.Destination));

        Assert.Equal(ParseStatus.Ok, Ipv6Header.TryParse(frame.AsSpan(EthernetHeader.Length), out var h));
        Assert.Equal(0x12345, h.FlowLabel);
        Assert.Equal(0x20, h.TrafficClass);
        Assert.Equal(IpProtocols.HopByHop, h.NextHeader);
    }

    [Fact]
    public void Ipv6_extension_header_running_past_the_packet_is_bad_length()
    {
        UInt128 src = 1, dst = 2;
        var frame = Frames.Udp6WithExtensions(src, dst, 1, 2, 0);
        frame[EthernetHeader.Length + 40 + 1] = 200; // hop-by-hop claims 1608 bytes
        Assert.Equal(ParseStatus.BadLength, Ipv6Header.TryParse(frame.AsSpan(EthernetHeader.Length), out _));
    }

    [Fact]
    public void Udp_over_ipv4_checksum_fills_and_verifies_and_zero_means_none()
    {
        var frame = Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 53, 33);
        var seg = frame.AsSpan(34);
        var (s, d) = (WireAddress.V4(Frames.ShellIp), WireAddress.V4(Frames.Shell2Ip));
        Assert.True(UdpHeader.VerifyChecksum(seg, s, d));
        seg[10] ^= 0x40;
        Assert.False(UdpHeader.VerifyChecksum(seg, s, d));
        seg[6] = 0;
        seg[7] = 0;
        Assert.True(UdpHeader.VerifyChecksum(seg, s, d));
        Assert.Equal(ParseStatus.BadLength, UdpHeader.TryParse([0, 1, 0, 2, 0, 7, 0, 0], out _));
        Assert.Equal(ParseStatus.Truncated, UdpHeader.TryParse([0, 1, 0, 2, 0, 9, 0, 0], out _));
    }

    [Fact]
    public void Tcp_header_round_trips()
    {
        var h = new TcpHeader
        {
            SourcePort = 5201,
            DestinationPort = 40000,
            SequenceNumber = 0xDEADBEEF,
            AcknowledgmentNumber = 7,
            HeaderLength = TcpHeader.MinLength,
            Flags = TcpHeader.Syn | TcpHeader.Ack,
            Window = 64240,
            Checksum = 0x1234,
        };
        var buf = new byte[20];
        h.Write(buf);
        Assert.Equal(ParseStatus.Ok, TcpHeader.TryParse(buf, out var back));
        Assert.Equal(h, back);
        buf[12] = 0x40; // data offset 4 words: below the minimum
        Assert.Equal(ParseStatus.BadLength, TcpHeader.TryParse(buf, out _));
    }

    [Fact]
    public void Icmp_echo_decodes_with_id_and_sequence_and_verifies()
    {
        var frame = Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 3072, 9);
        var l = FrameLayers.Decode(frame);
        Assert.True(l.IsIcmp);
        Assert.Equal(IcmpHeader.EchoRequest, l.Icmp.Type);
        Assert.Equal((ushort)3072, l.Icmp.Identifier);
        Assert.Equal((ushort)9, l.Icmp.Sequence);
        Assert.True(IcmpHeader.VerifyV4(frame.AsSpan(l.TransportOffset)));
        frame[^1] ^= 1;
        Assert.False(IcmpHeader.VerifyV4(frame.AsSpan(l.TransportOffset)));
    }

    [Fact]
    public void Icmpv6_checksum_covers_the_pseudo_header()
    {
        var msg = new byte[16];
        new IcmpHeader(IcmpHeader.V6EchoRequest, 0, 0, 1, 2).Write(msg);
        WireAddress s = WireAddress.V6(new UInt128(0xfe80_0000_0000_0000, 1)), d = WireAddress.V6(new UInt128(0xfe80_0000_0000_0000, 2));
        TransportChecksum.Fill(msg, 2, s, d, IpProtocols.Icmpv6);
        Assert.True(IcmpHeader.VerifyV6(msg, s, d));
        Assert.False(IcmpHeader.VerifyV6(msg, d, WireAddress.V6(3)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    [InlineData(VxlanHeader.MaxVni)]
    public void Vxlan_round_trips_every_vni_width(int vni)
    {
        var buf = new byte[8];
        new VxlanHeader(vni).Write(buf);
        Assert.Equal(0x08, buf[0]);
        Assert.Equal(0, buf[1] | buf[2] | buf[3] | buf[7]);
        Assert.Equal(ParseStatus.Ok, VxlanHeader.TryParse(buf, out var back));
        Assert.Equal(vni, back.Vni);
    }

    [Fact]
    public void Vxlan_ignores_reserved_bits_on_receipt_and_requires_the_I_flag()
    {
        byte[] buf = [0xF8, 0xAA, 0xBB, 0xCC, 0x00, 0x01, 0x00, 0xFF];
        Assert.Equal(ParseStatus.Ok, VxlanHeader.TryParse(buf, out var h));
        Assert.Equal(256, h.Vni);
        buf[0] = 0xF0;
        Assert.Equal(ParseStatus.Unsupported, VxlanHeader.TryParse(buf, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VxlanHeader(VxlanHeader.MaxVni + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VxlanHeader(-1));
    }
}
