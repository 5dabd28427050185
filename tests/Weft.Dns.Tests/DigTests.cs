using System.Net;

namespace Weft.Dns.Tests;

/// <summary>Real clients (dig from bind9-dnsutils, busybox nslookup) against a server on 127.0.0.1.</summary>
public class DigTests
{
    [Fact]
    public async Task Dig_resolves_a_sandbox_name_over_UDP_and_TCP()
    {
        await using var dns = DnsHarness.Start();
        var udp = await Dig.RunAsync(dns.EndPoint, "shell", "A");
        Assert.Equal("NOERROR", udp.Status);
        Assert.Equal(["10.0.0.2"], udp.AnswerData);
        Assert.Subset(udp.Flags.ToHashSet(), new HashSet<string> { "qr", "aa", "rd", "ra" });
        Assert.Contains("(UDP)", udp.Output);

        var tcp = await Dig.RunAsync(dns.EndPoint, "+tcp", "dual", "AAAA");
        Assert.Equal("NOERROR", tcp.Status);
        Assert.Equal(["fd00::3"], tcp.AnswerData);
        Assert.Contains("(TCP)", tcp.Output);
        Assert.True(dns.Server.Stats.TcpConnections >= 1);
        Assert.Equal(2, dns.Server.Stats.AnsweredLocally);
    }

    [Fact]
    public async Task Dig_sees_the_question_in_its_own_case_and_an_EDNS_reply()
    {
        await using var dns = DnsHarness.Start();
        var result = await Dig.RunAsync(dns.EndPoint, "+dnssec", "SheLL.Test-Net");
        Assert.Equal("NOERROR", result.Status);
        Assert.Contains(";SheLL.Test-Net.", result.Output);
        Assert.Equal("SheLL.Test-Net.", Assert.Single(result.Answers)[0]);
        Assert.Contains("; EDNS: version: 0, flags: do; udp: 1232", result.Output);
        Assert.DoesNotContain("WARNING", result.Output);
    }

    [Theory]
    [InlineData("+bufsize=512")]
    [InlineData("+noedns")]
    [InlineData("+bufsize=1232")]
    public async Task A_big_answer_is_truncated_over_UDP_and_dig_gets_all_of_it_over_TCP(string option)
    {
        await using var dns = DnsHarness.Start();
        var result = await Dig.RunAsync(dns.EndPoint, option, "big");
        Assert.Contains("Truncated, retrying in TCP mode", result.Output);
        Assert.Equal("NOERROR", result.Status);
        Assert.Equal(100, result.Answers.Count);
        Assert.Equal(100, result.AnswerData.Distinct().Count());

        var truncated = await Dig.RunAsync(dns.EndPoint, option, "+ignore", "big");
        Assert.Contains("tc", truncated.Flags);
        Assert.Empty(truncated.Answers);
    }

    [Fact]
    public async Task A_big_answer_fits_when_the_client_advertises_enough_room()
    {
        await using var dns = DnsHarness.Start();
        var result = await Dig.RunAsync(dns.EndPoint, "+bufsize=4096", "big");
        Assert.DoesNotContain("Truncated", result.Output);
        Assert.Equal(100, result.Answers.Count);
        Assert.Contains("(UDP)", result.Output);
    }

    [Fact]
    public async Task A_shared_alias_answers_with_all_addresses_in_rotating_order()
    {
        await using var dns = DnsHarness.Start();
        var orders = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var result = await Dig.RunAsync(dns.EndPoint, "pair", "A");
            Assert.Equal(["10.0.0.5", "10.0.0.6"], result.AnswerData.Order());
            orders.Add(string.Join(",", result.AnswerData));
        }
        Assert.Equal(2, orders.Distinct().Count());
        Assert.NotEqual(orders[0], orders[1]);
        Assert.Equal(orders[0], orders[2]);
    }

    [Fact]
    public async Task Dig_x_gets_the_name_of_an_address_over_IPv4_and_IPv6()
    {
        await using var dns = DnsHarness.Start();
        var v4 = await Dig.RunAsync(dns.EndPoint, "-x", "10.0.0.2");
        Assert.Equal("NOERROR", v4.Status);
        Assert.Equal(["shell.test-net."], v4.AnswerData);
        var v6 = await Dig.RunAsync(dns.EndPoint, "-x", "fd00::3");
        Assert.Equal(["dual.test-net."], v6.AnswerData);
        var unknown = await Dig.RunAsync(dns.EndPoint, "-x", "10.9.9.9");
        Assert.Equal("NXDOMAIN", unknown.Status);
    }

    [Fact]
    public async Task NXDOMAIN_and_NODATA_carry_an_SOA_and_unknown_types_are_NODATA()
    {
        await using var dns = DnsHarness.Start();
        var nx = await Dig.RunAsync(dns.EndPoint, "nobody");
        Assert.Equal("NXDOMAIN", nx.Status);
        Assert.Contains("aa", nx.Flags);
        Assert.Equal("SOA", Assert.Single(nx.Authority)[3]);

        var nodata = await Dig.RunAsync(dns.EndPoint, "shell", "AAAA");
        Assert.Equal("NOERROR", nodata.Status);
        Assert.Empty(nodata.Answers);
        Assert.Equal("SOA", Assert.Single(nodata.Authority)[3]);

        var unknownType = await Dig.RunAsync(dns.EndPoint, "shell", "TYPE999");
        Assert.Equal("NOERROR", unknownType.Status);
        Assert.Empty(unknownType.Answers);
        Assert.Equal(1, dns.Server.Stats.NxDomain);
    }

    [Fact]
    public async Task Other_opcodes_and_classes_are_not_implemented()
    {
        await using var dns = DnsHarness.Start();
        var status = await Dig.RunAsync(dns.EndPoint, "+opcode=status", "shell");
        Assert.Equal("NOTIMP", status.Status);
        var chaos = await Dig.RunAsync(dns.EndPoint, "version.bind", "TXT", "CH");
        Assert.Equal("NOTIMP", chaos.Status);
        Assert.Equal(2, dns.Server.Stats.NotImp);
    }

    [Fact]
    public async Task A_client_the_directory_does_not_know_is_refused()
    {
        await using var dns = DnsHarness.Start(clients: IPAddress.Loopback);
        var known = await Dig.RunAsync(dns.EndPoint, "-b", "127.0.0.1", "shell");
        Assert.Equal("NOERROR", known.Status);
        var stranger = await Dig.RunAsync(dns.EndPoint, "-b", "127.0.0.5", "shell");
        Assert.Equal("REFUSED", stranger.Status);
        Assert.Empty(stranger.Answers);
        var strangerTcp = await Dig.RunAsync(dns.EndPoint, "-b", "127.0.0.5", "+tcp", "shell");
        Assert.Equal("REFUSED", strangerTcp.Status);
        Assert.Equal(2, dns.Server.Stats.Refused);
    }

    [Fact]
    public async Task Busybox_nslookup_resolves_both_families()
    {
        await using var dns = DnsHarness.Start();
        var (exit, output) = await Tool.RunAsync("busybox", ["nslookup", $"-port={dns.EndPoint.Port}", "dual", "127.0.0.1"]);
        Assert.True(exit == 0, output);
        Assert.Contains("Address: 10.0.0.3", output);
        Assert.Contains("Address: fd00::3", output);

        var (missingExit, missing) = await Tool.RunAsync("busybox", ["nslookup", $"-port={dns.EndPoint.Port}", "nobody", "127.0.0.1"]);
        Assert.NotEqual(0, missingExit);
        Assert.Contains("NXDOMAIN", missing);
    }
}
