using System.Text.Json;
using Weft.Api;
using Weft.Lab;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// `weft doctor` on real labs, run inside a lab host as a user would (`weft lab exec HOST -- weft doctor`): a clean lab is
/// healthy everywhere, a firewall that drops UDP 4789 on one host and a path that drops full-size packets are named by
/// the other hosts, and Docker's FORWARD policy and br_netfilter are explained.
/// </summary>
[RequiresRoot]
public sealed class DoctorEndToEndTests
{
    private static async Task<(int Code, string Text, int JsonCode, DoctorReport Report)> DoctorAsync(LabFixture lab, int host)
    {
        var (code, text) = await lab.WeftAsync(host, "doctor");
        var (jsonCode, json) = await lab.WeftAsync(host, "doctor", "--format", "json");
        var report = JsonSerializer.Deserialize(json, ApiJsonContext.Default.DoctorReport)
            ?? throw new InvalidOperationException($"doctor --format json printed nothing: {json}");
        return (code, text, jsonCode, report);
    }

    private static string Show(DoctorReport report) =>
        string.Join('\n', report.Findings.Select(f => $"{f.Severity} {f.Check} {f.Subject}: {f.Message}"));

    private static List<string> Signatures(DoctorReport report) =>
        [.. report.Findings.Select(f => $"{f.Severity} {f.Check}").Order(StringComparer.Ordinal)];

    /// <summary>"ERROR   peer-udp-4789   message" lines (fix lines are indented, the summary names the host).</summary>
    private static List<string> TextSignatures(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith(' ') && !l.Contains(": no errors", StringComparison.Ordinal) && !l.Contains(" error(s)", StringComparison.Ordinal))
            .Select(l => l.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries))
            .Select(p => $"{(p[0] == "WARN" ? "warning" : p[0].ToLowerInvariant())} {p[1]}")
            .Order(StringComparer.Ordinal)];

    [Fact]
    public async Task On_a_clean_lab_every_host_is_healthy_and_json_carries_the_text_findings()
    {
        await using var lab = await LabFixture.UpAsync(3, LabStore.Etcd);
        for (var i = 1; i <= 3; i++)
        {
            var (code, text, jsonCode, report) = await DoctorAsync(lab, i);
            Assert.True(code == 0, $"doctor on {lab.Host(i).Name} exited {code}:\n{text}");
            Assert.Equal(0, jsonCode);
            Assert.True(report.Healthy && report.Errors == 0, Show(report));
            Assert.Equal(lab.Host(i).Name, report.Host);
            foreach (var feature in new[] { "vxlan", "bridge", "veth", "nf_tables", "netns" })
            {
                Assert.Contains(report.Findings, f => f.Check == "kernel" && f.Subject == feature && f.Severity == "ok");
            }
            var peers = Enumerable.Range(1, 3).Where(p => p != i).Select(p => lab.Host(p).Name).ToList();
            foreach (var peer in peers)
            {
                Assert.Contains(report.Findings, f => f.Check == "peer-udp-4789" && f.Subject == peer && f.Severity == "ok");
            }
            // etcd's clock is read from its gateway's Date header; this lab shares one clock, so it must agree.
            Assert.Contains(report.Findings, f => f.Check == "clock" && f.Severity == "ok" && f.Message.Contains("store's", StringComparison.Ordinal));
            Assert.Contains(report.Findings, f => f.Check == "store" && f.Severity == "ok" && f.Message.Contains("etcd://", StringComparison.Ordinal));
            // The JSON carries the same findings the text shows (two runs: measured numbers may differ, so by severity and check).
            Assert.Equal(Signatures(report), TextSignatures(text));
        }
    }

    [Fact]
    public async Task A_host_whose_udp_4789_a_firewall_drops_is_named_by_another_host_which_exits_1()
    {
        await using var lab = await LabFixture.UpAsync(3);
        var blocked = lab.Host(2).Name;
        var (added, addOutput) = await lab.RunOnHostAsync(2, "iptables", "-I", "INPUT", "-p", "udp", "--dport", "4789", "-j", "DROP");
        Assert.True(added == 0, addOutput);

        var (code, text, jsonCode, report) = await DoctorAsync(lab, 1);
        Assert.Equal(1, code);
        Assert.Equal(1, jsonCode);
        Assert.False(report.Healthy);
        var error = Assert.Single(report.Findings, f => f.Severity == "error");
        Assert.Equal("peer-udp-4789", error.Check);
        Assert.Equal(blocked, error.Subject);
        Assert.Contains("UDP 4789", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Fix);
        Assert.Contains(text.Split('\n'), l => l.StartsWith("ERROR", StringComparison.Ordinal) && l.Contains(blocked, StringComparison.Ordinal) && l.Contains("UDP 4789", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Check == "peer-udp-4789" && f.Subject == lab.Host(3).Name && f.Severity == "ok");

        // The rule was the cause: without it the same host is healthy again.
        var (removed, removeOutput) = await lab.RunOnHostAsync(2, "iptables", "-D", "INPUT", "-p", "udp", "--dport", "4789", "-j", "DROP");
        Assert.True(removed == 0, removeOutput);
        var (after, afterText) = await lab.WeftAsync(1, "doctor");
        Assert.True(after == 0, afterText);
    }

    [Fact]
    public async Task A_path_that_drops_full_size_packets_is_reported_as_an_mtu_problem()
    {
        await using var lab = await LabFixture.UpAsync(2);
        // host2's end of the cable takes 1400 bytes; host1 still sends 1500: small probes pass, full-size ones are lost.
        var (set, setOutput) = await lab.RunOnHostAsync(2, "ip", "link", "set", "eth0", "mtu", "1400");
        Assert.True(set == 0, setOutput);

        var (code, text, _, report) = await DoctorAsync(lab, 1);
        Assert.True(code == 1, text);
        var error = Assert.Single(report.Findings, f => f.Severity == "error");
        Assert.Equal("mtu", error.Check);
        Assert.Equal(lab.Host(2).Name, error.Subject);
        Assert.Contains("1500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_docker_host_doctor_explains_the_forward_policy_and_br_netfilter()
    {
        await using var lab = await LabFixture.UpAsync(2, docker: true);
        var (code, text, _, report) = await DoctorAsync(lab, 1);
        Assert.True(code == 0, $"Docker's rules are explained, not errors:\n{text}");
        var policy = Assert.Single(report.Findings, f => f.Check == "firewall" && f.Subject == "FORWARD");
        Assert.Equal("warning", policy.Severity);
        Assert.Contains("policy DROP", policy.Message, StringComparison.Ordinal);
        Assert.Contains("Docker", policy.Message, StringComparison.Ordinal);
        Assert.Contains("Overlay traffic between hosts never crosses it", policy.Message, StringComparison.Ordinal);
        var bridgeNetfilter = Assert.Single(report.Findings, f => f.Check == "firewall" && f.Subject == "br_netfilter");
        Assert.Contains("bridge-nf-call-iptables", bridgeNetfilter.Message, StringComparison.Ordinal);
        Assert.Contains("policy DROP", text, StringComparison.Ordinal);
        Assert.Contains("br_netfilter", text, StringComparison.Ordinal);
    }
}
