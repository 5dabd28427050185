using System.Diagnostics;
using System.Globalization;
using Weft.Api;
using Weft.Bench;
using Weft.Linux.Namespaces;
using Weft.Testing;

// bench/run cni [N]: ADD and DEL latency of the weft-cni plugin (the binary bench/run publishes, NativeAOT, talking to
// the NativeAOT agent of a 1-host lab) against the reference CNI plugins from Debian's containernetworking-plugins
// (/usr/lib/cni/bridge with host-local IPAM, the attach benchmark's peer) in the same run. Each round creates a fresh
// namespace per side, times ADD (the plugin process from start to exit, as a runtime waits for it), checks eth0 is up
// and addressed, times DEL, and removes the namespace. The sides alternate round by round, so a noisy neighbour on the
// shared machine slows both alike. VERSION, which neither plugin forwards anywhere, shows what starting the process costs.

var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
const int Warmup = 3;
const string Network = "bench-cni";

using var interruption = new Interruption();
var ct = interruption.Token;

if (ReferenceBridge.Problem is { } problem)
{
    Console.Error.WriteLine($"cni: {problem}");
    return 2;
}

Console.WriteLine($"cni: ADD and DEL latency, {n} rounds ({Warmup} warm-up rounds not counted), weft-cni = {CniPlugin.Path}");
Console.WriteLine($"  note: one {Environment.ProcessorCount}-core machine, possibly shared with other builds and tests: figures are noisy");

var weft = new Timings();
var reference = new Timings();
string peer;
var namespaces = new List<string>();
await using (var lab = await LabFixture.UpAsync(hosts: 1))
using (var bridge = new ReferenceBridge())
{
    peer = bridge.Description;
    using (var client = lab.Client(1))
    {
        await client.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.234.1.0/24")] }, ct);
    }
    var weftConfig = $$"""{"cniVersion":"1.0.0","name":"{{Network}}","type":"weft","socket":"{{lab.Host(1).SocketPath}}"}""";
    Task Weft(string command, string ns) =>
        CniCall.RunAsync(CniPlugin.Path, command, ns, command == "VERSION" ? "" : Path.Combine(NetworkNamespace.DefaultRunDirectory, ns), weftConfig, ct);
    try
    {
        for (var i = 0; i < Warmup + n; i++)
        {
            await RoundAsync($"{lab.State.Name}-w{i}", Weft, i >= Warmup ? weft : null);
            await RoundAsync($"{bridge.Name}-c{i}", (command, ns) => bridge.RunAsync(command, ns, ct), i >= Warmup ? reference : null);
        }
    }
    finally
    {
        foreach (var ns in namespaces.Where(ns => NetworkNamespace.Exists(ns)))
        {
            NetworkNamespace.Delete(ns);
        }
    }
}

weft.Print($"weft-cni (NativeAOT plugin → the agent's API; network {Network}, one overlay)");
reference.Print($"peer: CNI reference plugins ({peer})");
Console.WriteLine("  Weft's ADD also takes the address from the cluster store (cluster-wide IPAM) and records the endpoint there, where");
Console.WriteLine("  host-local writes a file on this host; its DEL releases both.");
BenchResult.Print("cni", "ADD p50 ms", Stats.Median(weft.Add), Stats.Median(reference.Add), higherIsBetter: false);
return 0;

// One round for one side: a fresh namespace, VERSION, ADD, the readiness check, DEL, the namespace removed.
async Task RoundAsync(string ns, Func<string, string, Task> plugin, Timings? into)
{
    NetworkNamespace.Create(ns).Dispose();
    namespaces.Add(ns);
    var clock = Stopwatch.StartNew();
    await plugin("VERSION", ns);
    var version = clock.Elapsed.TotalMilliseconds;
    clock.Restart();
    await plugin("ADD", ns);
    var added = clock.Elapsed.TotalMilliseconds;
    CniCall.RequireReady(Path.Combine(NetworkNamespace.DefaultRunDirectory, ns), $"CNI namespace {ns}");
    clock.Restart();
    await plugin("DEL", ns);
    var deleted = clock.Elapsed.TotalMilliseconds;
    NetworkNamespace.Delete(ns);
    namespaces.Remove(ns);
    into?.Record(version, added, deleted);
}

/// <summary>One side's latencies.</summary>
internal sealed class Timings
{
    public List<double> Version { get; } = [];

    public List<double> Add { get; } = [];

    public List<double> Del { get; } = [];

    public void Record(double version, double add, double del)
    {
        Version.Add(version);
        Add.Add(add);
        Del.Add(del);
    }

    public void Print(string title)
    {
        Console.WriteLine(title);
        BenchResult.Figure("ADD: p50", Stats.Median(Add), "ms");
        BenchResult.Figure("ADD: p99", Stats.Percentile(Add, 99), "ms");
        BenchResult.Figure("DEL: p50", Stats.Median(Del), "ms");
        BenchResult.Figure("DEL: p99", Stats.Percentile(Del, 99), "ms");
        BenchResult.Figure("VERSION (starting the process): p50", Stats.Median(Version), "ms");
    }
}
