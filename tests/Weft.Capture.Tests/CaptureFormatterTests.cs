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

    [Fact]
    public void Under_json_a_packet_is_one_line_with_the_text_lines_facts_as_fields()
    {
        var frame = Frames.Encapsulated(Frames.IcmpEcho(Frames.Shell2Ip, Frames.ShellIp, 3072, 0, srcMac: Frames.Shell2Mac, dstMac: Frames.ShellMac));
        var names = new CaptureNames();
        names.AddNetwork(new NetworkDetail("id", "test-net", "overlay", "global", [new SubnetSpec("10.0.10.0/24")], 256, 1450, false,
            new Dictionary<string, string>(), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch,
            [
                Endpoint("shell", "host2", "198.18.0.3", "10.0.10.5", Frames.ShellMac),
                Endpoint("shell2", "host3", "198.18.0.2", "10.0.10.6", Frames.Shell2Mac),
            ]));
        var time = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

        var line = CaptureJson.Line(new CapturedPacketBuilder(names, "host2", "eth0"), frame, time, Formatter().Format(frame));

        Assert.DoesNotContain('\n', line);
        using var json = System.Text.Json.JsonDocument.Parse(line);
        var p = json.RootElement;
        Assert.Equal("2026-12-06T10:00:00+00:00", p.GetProperty("time").GetString());
        Assert.Equal(("host2", "eth0", frame.Length), (p.GetProperty("host").GetString(), p.GetProperty("interface").GetString(), p.GetProperty("length").GetInt32()));
        var outer = p.GetProperty("outer");
        Assert.Equal(("198.18.0.2", "host3", "198.18.0.3", "host2"), (outer.GetProperty("source").GetString(), outer.GetProperty("sourceName").GetString(),
            outer.GetProperty("destination").GetString(), outer.GetProperty("destinationName").GetString()));
        Assert.Equal(("udp", 4789), (outer.GetProperty("protocol").GetString(), outer.GetProperty("destinationPort").GetInt32()));
        Assert.Equal((256, "test-net"), (p.GetProperty("vxlan").GetProperty("vni").GetInt32(), p.GetProperty("vxlan").GetProperty("network").GetString()));
        var inner = p.GetProperty("inner");
        Assert.Equal(("10.0.10.6", "shell2", "10.0.10.5", "shell"), (inner.GetProperty("source").GetString(), inner.GetProperty("sourceName").GetString(),
            inner.GetProperty("destination").GetString(), inner.GetProperty("destinationName").GetString()));
        Assert.Equal((Frames.Shell2Mac.ToString(), Frames.ShellMac.ToString(), "ipv4"),
            (inner.GetProperty("sourceMac").GetString(), inner.GetProperty("destinationMac").GetString(), inner.GetProperty("etherType").GetString()));
        Assert.Equal("icmp", inner.GetProperty("protocol").GetString());
        var icmp = inner.GetProperty("icmp");
        Assert.Equal((8, 0, "echo request", 3072, 0), (icmp.GetProperty("type").GetInt32(), icmp.GetProperty("code").GetInt32(),
            icmp.GetProperty("kind").GetString(), icmp.GetProperty("id").GetInt32(), icmp.GetProperty("seq").GetInt32()));
        Assert.False(inner.TryGetProperty("sourcePort", out _), "ICMP has no ports: the field is left out");
        Assert.False(inner.TryGetProperty("error", out _));
        Assert.Equal("host3 → host2  vxlan vni 256 (test-net) | shell2 10.0.10.6 → shell 10.0.10.5  ICMP echo request id 3072 seq 0", p.GetProperty("summary").GetString());
    }

    [Fact]
    public void Under_json_a_broken_inner_frame_says_where_decoding_stopped()
    {
        var frame = Frames.Encapsulated(new byte[6]);

        var line = CaptureJson.Line(new CapturedPacketBuilder(CaptureNames.Empty, "h", "eth0"), frame, DateTimeOffset.UnixEpoch, "");

        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("truncated at ethernet", json.RootElement.GetProperty("inner").GetProperty("error").GetString());
        Assert.False(json.RootElement.GetProperty("outer").TryGetProperty("error", out _));
    }
}
