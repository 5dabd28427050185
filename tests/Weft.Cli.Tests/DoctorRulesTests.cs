using System.Net;
using Weft.Api;
using Weft.Cli.Commands.Doctor;
using Weft.Cli.Output;
using Weft.Linux.Probes;

namespace Weft.Cli.Tests;

/// <summary>`weft doctor`'s judgements, with no kernel and no agent: addresses, overlaps, probe results, the store, MTU.</summary>
public sealed class DoctorRulesTests
{
    [Theory]
    [InlineData("10.0.2.15", "warning")]
    [InlineData("10.0.2.200", "warning")]
    [InlineData("127.0.0.1", "error")]
    [InlineData("169.254.10.1", "warning")]
    public void A_nat_only_loopback_or_link_local_advertise_address_is_flagged(string address, string severity)
    {
        var judged = AdvertiseAddressRules.Judge(IPAddress.Parse(address));
        Assert.NotNull(judged);
        Assert.Equal(severity, judged.Value.Severity);
    }

    [Theory]
    [InlineData("10.0.3.15")]
    [InlineData("192.168.1.10")]
    [InlineData("198.19.11.1")]
    [InlineData("172.31.5.4")]
    public void An_ordinary_address_passes(string address) =>
        Assert.Null(AdvertiseAddressRules.Judge(IPAddress.Parse(address)));

    private static DoctorHostView Host(string name, params string[] routes) => new(name + "-id", name, "198.19.11.1", true, routes);

    [Fact]
    public void A_subnet_inside_or_around_a_hosts_route_overlaps_and_a_disjoint_one_does_not()
    {
        var networks = new[]
        {
            new DoctorNetworkView("inside", "overlay", ["10.10.3.0/24"], 1450),
            new DoctorNetworkView("around", "overlay", ["192.168.0.0/16"], 1450),
            new DoctorNetworkView("apart", "overlay", ["10.20.0.0/24"], 1450),
        };
        var hosts = new[] { Host("a", "198.19.11.0/24"), Host("b", "10.10.0.0/16", "192.168.7.0/24") };

        var found = SubnetOverlaps.Find(networks, hosts);

        Assert.Equal(["inside/b/10.10.0.0/16", "around/b/192.168.7.0/24"], found.Select(o => $"{o.Network}/{o.Host}/{o.Route}"));
    }

    [Fact]
    public void A_bridge_networks_own_route_is_not_an_overlap_but_a_wider_route_is()
    {
        var bridge = new DoctorNetworkView("br", "bridge", ["10.10.9.0/24"], 1500);
        Assert.Empty(SubnetOverlaps.Find([bridge], [Host("a", "10.10.9.0/24")]));
        Assert.Single(SubnetOverlaps.Find([bridge], [Host("a", "10.10.0.0/16")]));
        // An overlay's subnet as a host route is someone else's route: it overlaps.
        Assert.Single(SubnetOverlaps.Find([bridge with { Driver = "overlay" }], [Host("a", "10.10.9.0/24")]));
    }

    private static readonly DoctorHostView Peer = new("p-id", "host2", "198.19.11.2", true, []);

    [Fact]
    public void A_peer_that_does_not_answer_is_an_error_naming_it_and_the_port_with_a_fix()
    {
        var f = ClusterChecks.Peer(Peer, new UnderlayProbeResult(false, false, 1500, 1500));
        Assert.Equal(("error", "peer-udp-4789", "host2"), (f.Severity, f.Check, f.Subject));
        Assert.Contains("host2 (198.19.11.2) does not answer on UDP 4789", f.Message, StringComparison.Ordinal);
        Assert.Contains("--dport 4789", f.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_that_loses_full_size_probes_is_an_mtu_error_with_the_overlay_mtu_that_fits()
    {
        var known = ClusterChecks.Peer(Peer, new UnderlayProbeResult(true, false, 1500, 1400));
        Assert.Equal(("error", "mtu"), (known.Severity, known.Check));
        Assert.Contains("path MTU is 1400", known.Message, StringComparison.Ordinal);
        Assert.Contains("--mtu 1350", known.Fix, StringComparison.Ordinal);

        var silent = ClusterChecks.Peer(Peer, new UnderlayProbeResult(true, false, 1500, 1500));
        Assert.Contains("no ICMP", silent.Message, StringComparison.Ordinal);
        Assert.Contains("tracepath 198.19.11.2", silent.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_that_answers_is_ok_and_a_dead_one_is_not_probed()
    {
        Assert.Equal("ok", ClusterChecks.Peer(Peer, new UnderlayProbeResult(true, true, 1500, 1500)).Severity);
        Assert.Equal("info", ClusterChecks.Peer(Peer with { Alive = false }, null).Severity);
    }

    [Fact]
    public void An_unreachable_store_is_an_error_and_a_slow_one_or_a_skewed_clock_a_warning()
    {
        Assert.Equal(["error"], ClusterChecks.Store(new DoctorStoreView("etcd://x", false, "refused", null, null, null)).Select(f => f.Severity));
        Assert.Equal(["warning", "ok"], ClusterChecks.Store(new DoctorStoreView("etcd://x", true, null, 250, 0, 1001)).Select(f => f.Severity));
        var skewed = ClusterChecks.Store(new DoctorStoreView("etcd://x", true, null, 1, -5000, 1001)).ToList();
        Assert.Equal(["ok", "warning"], skewed.Select(f => f.Severity));
        Assert.Contains("5000 ms behind", skewed[1].Message, StringComparison.Ordinal);
        Assert.Equal(["ok", "ok"], ClusterChecks.Store(new DoctorStoreView("sqlite:///x", true, null, 0.1, null, null)).Select(f => f.Severity));
    }

    [Fact]
    public void An_overlay_mtu_that_does_not_fit_the_underlay_is_an_error()
    {
        DoctorClusterView Cluster(int underlayMtu) => new("h", "h-id", "198.19.11.1", "eth0", underlayMtu,
            new DoctorStoreView("s", true, null, 1, null, null), [], [new DoctorNetworkView("big", "overlay", ["10.10.0.0/24"], 1450)], true, null);
        Assert.Equal("ok", Assert.Single(ClusterChecks.Mtu(Cluster(1500))).Severity);
        var f = Assert.Single(ClusterChecks.Mtu(Cluster(1400)));
        Assert.Equal(("error", "big"), (f.Severity, f.Subject));
        Assert.Contains("--mtu 1350", f.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_errors_make_the_report_unhealthy_and_the_text_shows_problems_first_with_their_fix()
    {
        var warningOnly = DoctorFindings.Report("h", [new DoctorFinding("a", "ok", "fine"), new DoctorFinding("b", "warning", "hmm", Fix: "do x")]);
        Assert.True(warningOnly.Healthy);
        Assert.Equal((0, 1), (warningOnly.Errors, warningOnly.Warnings));

        var report = DoctorFindings.Report("h", [new DoctorFinding("a", "ok", "fine"), new DoctorFinding("b", "error", "broken", Fix: "do y")]);
        Assert.False(report.Healthy);
        using var writer = new StringWriter { NewLine = "\n" };
        DoctorOutput.Write(writer, report);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ERROR", lines[0], StringComparison.Ordinal);
        Assert.Contains("fix: do y", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("ok", lines[2], StringComparison.Ordinal);
        Assert.Equal("h: 1 error(s), 0 warning(s)", lines[^1]);
    }
}
