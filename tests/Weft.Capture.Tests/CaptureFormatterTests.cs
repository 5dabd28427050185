using Weft.Api;
using Weft.Cli.Commands.Capture;
using Weft.Wire;
using Weft.Core.Addressing;
using Weft.Testing;

namespace Weft.Capture.Tests;

public sealed class CaptureFormatterTests
{
    private static CaptureFormatter Formatter()
    {
        var names = new CaptureNames();
        names.AddNetwork(new NetworkDetail("id", "test-net", "overlay", "global", [new SubnetSpec("10.0.10.0/24")], 256, 1450, false,
            new Dictionary<string, string>(), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch,
            [
                Endpoint("shell", "host2", "198.18.0.3", "10.0.10.5", Frames.ShellMac),
                Endpoint("shell2", "host3", "198.18.0.2", "10.0.10.6", Frames.Shell2Mac),
            ]));
        return new CaptureFormatter(names);
    }

    private static EndpointView Endpoint(string sandbox, string host, string hostAddress, string ip, MacAddress mac) =>
        new("ep-" + sandbox, "test-net", sandbox, sandbox, [], "hid-" + host, host, true, ip, mac.ToString(), "eth0", hostAddress);

    [Fact]
    public void An_echo_request_reads_with_host_network_and_sandbox_names()
    {
        // Frames.Tunnel goes from 198.18.0.2 (host3) to 198.18.0.3 (host2).
        var frame = Frames.Encapsulated(Frames.IcmpEcho(Frames.Shell2Ip, Frames.ShellIp, 3072, 0, srcMac: Frames.Shell2Mac, dstMac: Frames.ShellMac));
        Assert.Equal("host3 → host2  vxlan vni 256 (test-net) | shell2 10.0.10.6 → shell 10.0.10.5  ICMP echo request id 3072 seq 0", Formatter().Format(frame));
        Assert.Equal("shell2 10.0.10.6 → shell 10.0.10.5  ICMP echo request id 3072 seq 0", Formatter().Format(frame, innerOnly: true));
    }

    [Fact]
    public void Unknown_numbers_are_printed_as_they_are()
    {
        var frame = Frames.Encapsulated(Frames.Udp(Frames.Ip("10.9.9.1"), Frames.Ip("10.9.9.2"), 40000, 5201, 200), vni: 999);
        var f = new CaptureFormatter(CaptureNames.Empty);
        Assert.Equal("198.18.0.2 → 198.18.0.3  vxlan vni 999 | 10.9.9.1 → 10.9.9.2  UDP 40000 → 5201 len 200", f.Format(frame));
    }

    [Fact]
    public void Arp_non_ip_and_broken_inner_frames_still_get_a_line()
    {
        var arp = new byte[EthernetHeader.Length + ArpPacket.Length];
        new EthernetHeader(MacAddress.Broadcast, Frames.ShellMac, EtherTypes.Arp).Write(arp);
        new ArpPacket(ArpPacket.Request, Frames.ShellMac, Frames.ShellIp, default, Frames.Shell2Ip).Write(arp.AsSpan(EthernetHeader.Length));
        Assert.EndsWith("| ARP who-has shell2 10.0.10.6 tell shell 10.0.10.5", Formatter().Format(Frames.Encapsulated(arp)));

        var lldp = new byte[60];
        new EthernetHeader(MacAddress.Parse("01:80:c2:00:00:0e"), Frames.ShellMac, 0x88cc).Write(lldp);
        Assert.EndsWith("| shell 02:42:0a:00:0a:05 → 01:80:c2:00:00:0e  ethertype 0x88cc", Formatter().Format(Frames.Encapsulated(lldp)));

        Assert.EndsWith("| inner frame [truncated at ethernet]", Formatter().Format(Frames.Encapsulated(new byte[6])));
    }

    [Fact]
    public void Formatting_a_line_allocates_nothing_and_a_short_buffer_cuts_it()
    {
        var formatter = Formatter();
        var frame = Frames.Encapsulated(Frames.IcmpEcho(Frames.Shell2Ip, Frames.ShellIp, 3072, 0, srcMac: Frames.Shell2Mac, dstMac: Frames.ShellMac));
        var line = new char[CaptureFormatter.MaxLineLength];
        var decoded = VxlanFrame.Decode(frame);
        formatter.Format(decoded, innerOnly: false, line); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            decoded = VxlanFrame.Decode(frame);
            formatter.Format(decoded, innerOnly: false, line);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var shortLine = new char[20];
        Assert.Equal(20, formatter.Format(decoded, innerOnly: false, shortLine));
        Assert.Equal("host3 → host2  vxlan", new string(shortLine));
    }
}
