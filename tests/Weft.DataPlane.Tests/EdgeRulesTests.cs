using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Linux.Firewall;

namespace Weft.DataPlane.Tests;

public sealed class EdgeRulesTests
{
    private static readonly EgressSubnet Overlay = new("a", IpNetwork.Parse("10.88.1.0/24"), "wu-12345678");

    [Fact]
    public void Nothing_to_do_means_no_table()
    {
        Assert.Null(EdgeRules.Render([], []));
    }

    [Fact]
    public void Egress_masquerades_off_its_interface_and_hairpins_only_what_a_port_sent_back()
    {
        var text = EdgeRules.Render([Overlay], [])!.Render();

        Assert.Contains("ip saddr 10.88.1.0/24 oifname != \"wu-12345678\" masquerade comment \"egress a 10.88.1.0/24 wu-12345678\"", text, StringComparison.Ordinal);
        Assert.Contains("ip saddr 10.88.1.0/24 oifname \"wu-12345678\" ct status dnat masquerade", text, StringComparison.Ordinal);
        Assert.Contains("iifname \"wu-*\" oifname \"wu-*\" ct status & dnat == 0 drop", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_published_port_is_one_dnat_limited_to_its_host_address_when_it_has_one()
    {
        var everywhere = new PublishedPort("web", PortMapping.Parse("8080:80"), IPAddress.Parse("10.88.1.2"));
        var one = new PublishedPort("dns", PortMapping.Parse("198.18.0.1:53:5353/udp"), IPAddress.Parse("10.88.1.3"));
        var table = EdgeRules.Render([Overlay], [everywhere, one])!;
        var ports = Assert.Single(table.Chains, c => c.Name == EdgeRules.PortsChain);

        Assert.Equal(
            ["meta l4proto tcp th dport 8080 dnat to 10.88.1.2:80", "ip daddr 198.18.0.1 meta l4proto udp th dport 53 dnat to 10.88.1.3:5353"],
            ports.Rules.Select(r => r.Body));
        Assert.Equal(["port web 8080->80/tcp to 10.88.1.2", "port dns 198.18.0.1:53->5353/udp to 10.88.1.3"], ports.Rules.Select(r => r.Key));
    }

    [Fact]
    public void A_table_read_back_matches_only_with_the_same_chains_and_rules()
    {
        var table = EdgeRules.Render([Overlay], [new PublishedPort("web", PortMapping.Parse("8080:80"), IPAddress.Parse("10.88.1.2"))])!;
        var json = Json(table, dropRule: null, foreign: false);

        Assert.Equal(table.Shape(), Nftables.ParseShape(json));
        Assert.NotEqual(table.Shape(), Nftables.ParseShape(Json(table, dropRule: "port web 8080->80/tcp to 10.88.1.2", foreign: false)));
        Assert.NotEqual(table.Shape(), Nftables.ParseShape(Json(table, dropRule: null, foreign: true)));
    }

    /// <summary>What `nft -j list table` prints for <paramref name="table"/>, less one rule or plus one without a comment.</summary>
    private static string Json(NftTable table, string? dropRule, bool foreign)
    {
        var items = new List<string> { "{\"metainfo\": {\"version\": \"1.0.6\"}}", "{\"table\": {\"family\": \"ip\", \"name\": \"weft\", \"handle\": 1}}" };
        foreach (var c in table.Chains)
        {
            items.Add(c.Hook is { } h
                ? $"{{\"chain\": {{\"family\": \"ip\", \"table\": \"weft\", \"name\": \"{c.Name}\", \"type\": \"{h.Type}\", \"hook\": \"{h.Hook}\", \"prio\": {h.Priority}, \"policy\": \"accept\"}}}}"
                : $"{{\"chain\": {{\"family\": \"ip\", \"table\": \"weft\", \"name\": \"{c.Name}\"}}}}");
        }
        foreach (var c in table.Chains)
        {
            items.AddRange(c.Rules.Where(r => r.Key != dropRule).Select(r => $"{{\"rule\": {{\"chain\": \"{c.Name}\", \"comment\": \"{r.Key}\", \"expr\": []}}}}"));
        }
        if (foreign)
        {
            items.Add("{\"rule\": {\"chain\": \"forward\", \"expr\": [{\"accept\": null}]}}");
        }
        return "{\"nftables\": [" + string.Join(", ", items) + "]}";
    }

    [Theory]
    [InlineData("80", "expected [hostip:]hostport:port")]
    [InlineData("8080:80/sctp", "protocol 'sctp'")]
    [InlineData("0:80", "host port '0'")]
    [InlineData("8080:70000", "port '70000'")]
    [InlineData("::1:8080:80", "expected")]
    [InlineData("nothost:8080:80", "host address 'nothost'")]
    public void A_bad_published_port_is_refused_naming_the_part(string text, string why)
    {
        var e = Assert.Throws<WeftValidationException>(() => PortMapping.Parse(text));
        Assert.Equal(ErrorCodes.InvalidPort, e.Code);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Published_ports_parse_as_docker_writes_them()
    {
        Assert.Equal(new PortMapping { HostPort = 8080, Port = 80 }, PortMapping.Parse("8080:80"));
        Assert.Equal(new PortMapping { HostIp = IPAddress.Parse("10.0.0.1"), HostPort = 53, Port = 5353, Protocol = "udp" }, PortMapping.Parse("10.0.0.1:53:5353/udp"));
        Assert.Null(PortMapping.Parse("0.0.0.0:80:80").Normalized().HostIp);
    }
}
