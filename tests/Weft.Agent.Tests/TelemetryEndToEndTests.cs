using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Weft.Api;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// What an operator watches, on a real lab: the Prometheus endpoint (`--metrics-addr`), the agent's log lines (a
/// sandbox whose process exits, a peer that expires and returns, in text and JSON), and systemd's READY=1.
/// </summary>
[RequiresRoot]
public sealed partial class TelemetryEndToEndTests
{
    private const string MetricsAddress = "127.0.0.1:9781";

    private static CreateNetworkRequest Overlay(string name, string subnet) => new() { Name = name, Subnets = [new SubnetSpec(subnet)] };

    private static CreateSandboxRequest Sandbox(string name, string network, params string[] command) =>
        new() { Name = name, Networks = [new SandboxNetworkSpec(network)], Command = command };

    [Fact]
    public async Task The_metrics_endpoint_counts_a_sandbox_creation_and_its_remote_entries()
    {
        await using var lab = await LabFixture.UpAsync(2, agentArguments: ["--metrics-addr", MetricsAddress]);
        using var h1 = lab.Client(1);
        using var h2 = lab.Client(2);
        await h1.CreateNetworkAsync(Overlay("metered", "10.0.91.0/24"));
        var before = await ScrapeAsync(lab, 1);
        Assert.Equal(0, before.Value("weft_api_requests_total", "method=\"POST\",route=\"/v1/sandboxes\",status=\"201\""));
        Assert.Equal(0, before.Value("weft_kernel_remote_entries", "kind=\"fdb\""));
        Assert.Equal(1, before.Value("weft_store_up"));

        await h1.CreateSandboxAsync(Sandbox("local", "metered", "sleep", "infinity"));
        await h2.CreateSandboxAsync(Sandbox("remote", "metered", "sleep", "infinity"));
        await Assert.ThrowsAnyAsync<Exception>(() => h1.CreateSandboxAsync(Sandbox("local", "metered", "sleep", "infinity"))); // a name taken: 409

        Metrics after = before;
        await LabFixture.EventuallyAsync(async () =>
        {
            after = await ScrapeAsync(lab, 1);
            return after.Value("weft_kernel_remote_entries", "kind=\"fdb\"") == 1;
        }, "host 1 reports one remote FDB entry (the sandbox on host 2)");

        Assert.Equal(1, after.Value("weft_api_requests_total", "method=\"POST\",route=\"/v1/sandboxes\",status=\"201\""));
        Assert.Equal(1, after.Value("weft_api_requests_total", "method=\"POST\",route=\"/v1/sandboxes\",status=\"409\""));
        Assert.Equal(1, after.Value("weft_kernel_remote_entries", "kind=\"neighbor\""));
        Assert.Equal(1, after.Value("weft_network_endpoints", "network=\"metered\",where=\"here\""));
        Assert.Equal(2, after.Value("weft_network_endpoints", "network=\"metered\",where=\"cluster\""));
        Assert.Equal(1, after.Value("weft_reconcile_programmed_networks"));
        Assert.Equal(2, after.Value("weft_cluster_live_hosts"));
        Assert.True(after.Value("weft_reconcile_passes_total") > before.Value("weft_reconcile_passes_total"), "reconcile passes moved");
        Assert.True(after.Value("weft_reconcile_changes_total", "op=\"added\"") > before.Value("weft_reconcile_changes_total", "op=\"added\""), "kernel changes moved");
        Assert.True(after.Value("weft_reconcile_duration_seconds_count") > before.Value("weft_reconcile_duration_seconds_count"), "pass durations recorded");
        Assert.True(after.Value("weft_store_request_duration_seconds_count", "op=\"txn\",outcome=\"ok\"") > before.Value("weft_store_request_duration_seconds_count", "op=\"txn\",outcome=\"ok\""),
            "store transactions timed");
        Assert.True(after.Value("weft_store_watch_events_total", "kind=\"put\"") > before.Value("weft_store_watch_events_total", "kind=\"put\""), "watch events counted");
        Assert.True(after.Value("process_resident_memory_bytes") > 1 << 20, "the agent's RSS");
        Assert.True(after.Value("dotnet_gc_heap_total_allocated_bytes_total") > 0, "the runtime's meter (System.Runtime): bytes allocated, which needs no collection to have run");
        Assert.Contains("# TYPE weft_api_requests_total counter", after.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE weft_reconcile_duration_seconds histogram", after.Text, StringComparison.Ordinal);
        Assert.Contains("weft_reconcile_duration_seconds_bucket{le=\"+Inf\"}", after.Text, StringComparison.Ordinal);

        // Its HTTP servers (API, Docker plugin, metrics) read no configuration files: with reload-on-change those were a
        // recursive inotify watch of the working directory, which for the lab's agents, as under systemd, is "/".
        var pid = lab.Host(1).AgentPid!.Value;
        Assert.Equal("/", new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget);
        var watches = Directory.GetFiles($"/proc/{pid}/fdinfo").Sum(f => ReadOrEmpty(f).Count(l => l.StartsWith("inotify ", StringComparison.Ordinal)));
        Assert.InRange(watches, 1, 50); // its own directories: the store's, the namespaces', its state

        // Every log line carries a date (UTC), whatever wrote it.
        var lines = (await File.ReadAllLinesAsync(lab.Host(1).LogPath)).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(DatedLine(), l));
        Assert.Contains(lines, l => l.Contains("metrics on http://" + MetricsAddress + "/metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_are_off_by_default()
    {
        await using var lab = await LabFixture.UpAsync(1);
        var (code, _) = await lab.RunOnHostAsync(1, "curl", "-sf", "--max-time", "2", $"http://{MetricsAddress}/metrics");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public async Task Json_logs_name_a_sandbox_whose_process_exits_once_and_a_peer_that_expires_and_returns()
    {
        await using var lab = await LabFixture.UpAsync(2, hostTtl: TimeSpan.FromSeconds(3), agentArguments: ["--log-format", "json"]);
        using var h1 = lab.Client(1);
        await h1.CreateNetworkAsync(Overlay("logged", "10.0.92.0/24"));
        var shortLived = await h1.CreateSandboxAsync(Sandbox("brief", "logged", "sleep", "1"));
        var removed = await h1.CreateSandboxAsync(Sandbox("removed", "logged", "sleep", "infinity"));
        var log = lab.Host(1).LogPath;

        await LabFixture.EventuallyAsync(() => Entries(log).Any(e => e.Message.Contains("sandbox brief: its process", StringComparison.Ordinal)),
            "the exit of sandbox brief's process is logged");
        var exit = Entries(log).Single(e => e.Message.Contains("sandbox brief: its process", StringComparison.Ordinal));
        Assert.Equal("Warning", exit.Level);
        Assert.Contains($"process {shortLived.Pid} exited", exit.Message, StringComparison.Ordinal);

        // Removing a sandbox ends its process on purpose: no exit line. More changes of the view report nothing again.
        await h1.RemoveSandboxAsync("removed", force: true);
        await h1.CreateNetworkAsync(Overlay("later", "10.0.93.0/24"));
        await lab.WeftAsync(2, "network", "ls");

        // A peer whose agent dies expires after its TTL and is named; so is its return.
        var peer = lab.Host(2).Name;
        lab.KillAgent(2);
        await LabFixture.EventuallyAsync(() => Entries(log).Any(e => e.Message.Contains($"host {peer} (", StringComparison.Ordinal) && e.Message.Contains("expired", StringComparison.Ordinal)),
            $"host 1 logs that {peer} expired");
        await lab.StartAgentAsync(2);
        await LabFixture.EventuallyAsync(() => Entries(log).Any(e => e.Message.Contains($"host {peer} (", StringComparison.Ordinal) && e.Message.Contains("is live", StringComparison.Ordinal)),
            $"host 1 logs that {peer} is back");

        var entries = Entries(log);
        Assert.Single(entries, e => e.Message.Contains("sandbox brief: its process", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Message.Contains("sandbox removed: its process", StringComparison.Ordinal) || e.Message.Contains($"process {removed.Pid} exited", StringComparison.Ordinal));
        Assert.All(entries, e => Assert.True(e.Timestamp.Offset == TimeSpan.Zero && e.Timestamp.Year >= 2024, $"dated in UTC: {e.Timestamp:o}"));
    }

    [Fact]
    public async Task The_agent_tells_systemd_it_is_ready_once_its_api_answers_and_the_first_pass_ran()
    {
        await using var lab = await LabFixture.UpAsync(1);
        var socketPath = Path.Combine(Path.GetTempPath(), $"wtt-notify-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        try
        {
            lab.KillAgent(1);
            var start = lab.StartAgentAsync(1, new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });
            var messages = new List<string>();
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!messages.Any(m => m.Contains("READY=1", StringComparison.Ordinal)))
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
            await start;
            var ready = messages.Single(m => m.Contains("READY=1", StringComparison.Ordinal));
            Assert.Contains($"MAINPID={lab.Host(1).AgentPid}", ready, StringComparison.Ordinal);
            Assert.Contains("STATUS=ready: 1 host(s) live", ready, StringComparison.Ordinal);
            // By the time systemd hears READY=1 the API answers.
            var (code, output) = await lab.WeftAsync(1, "network", "ls");
            Assert.True(code == 0, output);
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    /// <summary>A descriptor's fdinfo, or nothing when the descriptor closed meanwhile.</summary>
    private static string[] ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")]
    private static partial Regex DatedLine();

    private sealed record Entry(DateTimeOffset Timestamp, string Level, string Message);

    private static List<Entry> Entries(string logPath)
    {
        var entries = new List<Entry>();
        foreach (var line in File.ReadAllLines(logPath).Where(l => l.Length > 0))
        {
            // Every line is one JSON object: a line that is not fails here.
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            entries.Add(new Entry(
                DateTimeOffset.Parse(root.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture),
                root.GetProperty("LogLevel").GetString()!,
                root.GetProperty("Message").GetString()!));
        }
        return entries;
    }

    private static async Task<Metrics> ScrapeAsync(LabFixture lab, int host)
    {
        var (code, output) = await lab.RunOnHostAsync(host, "curl", "-sf", "--max-time", "5", $"http://{MetricsAddress}/metrics");
        Assert.True(code == 0, $"scrape of host {host}: {output}");
        return new Metrics(output);
    }

    /// <summary>A scrape: the value of a series by name and label set (rendered as the endpoint renders it, sorted), 0 if absent.</summary>
    private sealed class Metrics(string text)
    {
        public string Text { get; } = text;

        public double Value(string name, string labels = "")
        {
            var series = labels.Length == 0 ? name + " " : $"{name}{{{labels}}} ";
            var line = Text.Split('\n').FirstOrDefault(l => l.StartsWith(series, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line[series.Length..], CultureInfo.InvariantCulture);
        }
    }
}
