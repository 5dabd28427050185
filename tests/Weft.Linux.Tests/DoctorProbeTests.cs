using System.Net;
using Weft.Linux.Diagnostics;
using Weft.Linux.Probes;

namespace Weft.Linux.Tests;

/// <summary>The UDP 4789 probe's bytes and filter, and the parsers doctor reads the host with. No kernel needed.</summary>
public sealed class DoctorProbeTests
{
    private static readonly byte[] Nonce = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];
    private static readonly IPEndPoint ReplyTo = new(IPAddress.Parse("198.19.11.1"), 40000);

    [Fact]
    public void A_probe_is_a_vxlan_datagram_with_vni_0_padded_to_the_packet_size_asked_for()
    {
        var payload = UnderlayProbeMessage.Request(Nonce, ReplyTo, 1500);
        Assert.Equal(1500 - 28, payload.Length); // the outer IPv4 and UDP headers make it 1500
        Assert.Equal(0x08, payload[0]);
        Assert.Equal([0, 0, 0], payload[4..7]);
    }

    [Fact]
    public void The_responder_reads_the_inner_frame_back_and_the_prober_reads_the_answer_with_the_size_that_arrived()
    {
        var frame = UnderlayProbeMessage.Request(Nonce, ReplyTo, 1500).AsSpan(UnderlayProbeMessage.VxlanHeaderLength).ToArray();
        Assert.True(UnderlayProbeMessage.TryReadRequest(frame, out var nonce, out var replyTo));
        Assert.Equal(Nonce, nonce);
        Assert.Equal(ReplyTo, replyTo);

        var reply = UnderlayProbeMessage.Reply(nonce, frame.Length);
        Assert.True(UnderlayProbeMessage.TryReadReply(reply, Nonce, out var received));
        Assert.Equal(1500, received);
        Assert.False(UnderlayProbeMessage.TryReadReply(reply, new byte[16], out _));
    }

    [Fact]
    public void The_responders_filter_passes_probes_only()
    {
        var filter = UnderlayProbeResponder.Filter();
        var probe = UnderlayProbeMessage.Request(Nonce, ReplyTo, 200).AsSpan(UnderlayProbeMessage.VxlanHeaderLength).ToArray();
        Assert.NotEqual(0u, filter.Run(probe));

        var arp = (byte[])probe.Clone();
        arp[12] = 0x08;
        arp[13] = 0x06;
        Assert.Equal(0u, filter.Run(arp));
        var otherMagic = (byte[])probe.Clone();
        otherMagic[14] = (byte)'X';
        Assert.Equal(0u, filter.Run(otherMagic));
        Assert.False(UnderlayProbeMessage.TryReadRequest(otherMagic, out _, out _));
    }

    [Fact]
    public void The_forward_policy_and_dockers_chains_are_read_from_nfts_json()
    {
        const string Json = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
              {"table": {"family": "ip", "name": "filter", "handle": 1}},
              {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
              {"chain": {"family": "ip", "table": "filter", "name": "FORWARD", "handle": 2, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
              {"chain": {"family": "ip", "table": "filter", "name": "DOCKER-USER", "handle": 5}}]}
            """;
        Assert.Equal(new HostFirewall("drop", true), NftTool.ParseHostFirewall(Json));
        Assert.Equal(new HostFirewall(null, false), NftTool.ParseHostFirewall(""));
        Assert.Equal(new HostFirewall("accept", false), NftTool.ParseHostFirewall(Json.Replace("\"drop\"", "\"accept\"", StringComparison.Ordinal).Replace("DOCKER-USER", "MINE", StringComparison.Ordinal)));
    }

    [Fact]
    public void Udp_sockets_are_read_from_proc_net_udp_with_port_and_inode()
    {
        const string Table = """
               sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
             1019: 3535FEA9:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 29638448 2 00000000d6499ccd 0
             5755: 00000000:12B5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 29698985 2 000000002fb62ffc 0
            """;
        Assert.Equal([new UdpSocketEntry("3535FEA9", 53, 29638448), new UdpSocketEntry("00000000", 4789, 29698985)], UdpPortUsers.Parse(Table));
    }
}
