using System.Diagnostics;
using System.Globalization;
using Weft.Api;
using Weft.Bench;
using Weft.Testing;

// bench/run cli [N]: what a script pays per `weft` call. On a 1-host lab (embedded store) with three networks, it
// times N runs (default 30, after 3 warm-up runs each) of `weft network ls` against `curl --unix-socket` asking the
// same agent the same question (GET /v1/networks), interleaved so that both see the same machine load; then `weft
// --version` alone, which is start-up and exit with no agent in it. Wall time from spawn to exit, taken as `perf stat`
// takes it (SpawnTimer: posix_spawn and wait4, not Process.Start, whose own cost was larger than a `weft` call).
// The CLI and the lab's agent are the binary tests/Weft.Testing's WeftBinary names: the published NativeAOT weft
// (bench/run publishes it and exports WEFT_BINARY; set WEFT_BINARY yourself to measure another build).

var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
const int Warmup = 3;
var weft = WeftBinary.Command;

Console.WriteLine($"cli: {n} runs each of `weft network ls` and `curl --unix-socket` on the same agent ({Warmup} warm-up runs not counted)");
Console.WriteLine($"  weft: {string.Join(' ', weft)} ({await VersionAsync()})");
Console.WriteLine($"  note: one {Environment.ProcessorCount}-core machine, possibly shared with other builds and tests: figures are noisy; load {LoadAverage()}");

await using var lab = await LabFixture.UpAsync(hosts: 1);
var socket = lab.Host(1).SocketPath;
using (var client = lab.Client(1))
{
    for (var i = 0; i < 3; i++)
    {
        await client.CreateNetworkAsync(new CreateNetworkRequest { Name = $"bench-cli-{i}", Subnets = [new SubnetSpec($"10.235.{i}.0/24")] });
    }
}

string[] weftLs = [.. weft, "--socket", socket, "network", "ls"];
string[] curlLs = ["curl", "-sf", "--unix-socket", socket, "http://localhost/v1/networks"];
List<SpawnTimer.Run> weftRuns = [], curlRuns = [], versionRuns = [];
for (var i = 0; i < Warmup + n; i++)
{
    var w = Time(weftLs, "bench-cli-2");
    var c = Time(curlLs, "bench-cli-2");
    if (i >= Warmup)
    {
        weftRuns.Add(w);
        curlRuns.Add(c);
    }
}
for (var i = 0; i < Warmup + n; i++)
{
    var v = Time([.. weft, "--version"], ".");
    if (i >= Warmup)
    {
        versionRuns.Add(v);
    }
}
var weftTimes = weftRuns.Select(r => r.WallMs).ToList();
var curlTimes = curlRuns.Select(r => r.WallMs).ToList();
var versionTimes = versionRuns.Select(r => r.WallMs).ToList();

BenchResult.Figure("weft network ls: median", Stats.Median(weftTimes), "ms");
BenchResult.Figure("weft network ls: p90", Stats.Percentile(weftTimes, 90), "ms");
BenchResult.Figure("weft network ls: CPU median", Stats.Median(weftRuns.Select(r => r.CpuMs)), "ms");
BenchResult.Figure("curl --unix-socket GET /v1/networks: median", Stats.Median(curlTimes), "ms");
BenchResult.Figure("curl --unix-socket GET /v1/networks: p90", Stats.Percentile(curlTimes, 90), "ms");
BenchResult.Figure("curl --unix-socket GET /v1/networks: CPU median", Stats.Median(curlRuns.Select(r => r.CpuMs)), "ms");
BenchResult.Figure("weft network ls / curl (medians)", Stats.Median(weftTimes) / Stats.Median(curlTimes), "x");
BenchResult.Figure("weft --version: median", Stats.Median(versionTimes), "ms");
BenchResult.Figure("weft --version: p90", Stats.Percentile(versionTimes, 90), "ms");
BenchResult.Figure("weft --version: CPU median", Stats.Median(versionRuns.Select(r => r.CpuMs)), "ms");
Console.WriteLine("  the peer is curl asking the agent the same thing over the same socket: the cost of the API call itself,");
Console.WriteLine("  so the ratio is what the CLI adds (start-up, parsing, the table) on top of the agent's answer.");
BenchResult.Print("cli", "median ms of `weft network ls` vs curl on the same API", Stats.Median(weftTimes), Stats.Median(curlTimes), higherIsBetter: false);
return 0;

// Runs a command to its end; it must succeed and print `expect`.
static SpawnTimer.Run Time(IReadOnlyList<string> argv, string expect)
{
    var run = SpawnTimer.Time(argv);
    if (run.ExitCode != 0 || !run.Output.Contains(expect, StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"{string.Join(' ', argv)}: exit {run.ExitCode}: {run.Error.Trim()} {run.Output.Trim()}");
    }
    return run;
}

static async Task<string> VersionAsync()
{
    var psi = new ProcessStartInfo(WeftBinary.Command[0]) { UseShellExecute = false, RedirectStandardOutput = true };
    foreach (var a in WeftBinary.Command.Skip(1).Append("--version"))
    {
        psi.ArgumentList.Add(a);
    }
    using var p = Process.Start(psi)!;
    var version = (await p.StandardOutput.ReadToEndAsync()).Trim();
    await p.WaitForExitAsync();
    return version;
}

static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
