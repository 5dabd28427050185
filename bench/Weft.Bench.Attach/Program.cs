using System.Diagnostics;
using System.Globalization;
using Weft.Api;
using Weft.Bench;
using Weft.Linux.Namespaces;
using Weft.Testing;

// bench/run attach [N]: `weft run`-to-network-ready latency. On a 1-host lab, N sandboxes (default 30) are
// created one after another through the agent's API (CreateSandboxAsync returns once eth0 is addressed and
// up) and each is removed before the next. Peer, in the same run: the reference CNI plugins from Debian's
// containernetworking-plugins, /usr/lib/cni/bridge with host-local IPAM, doing ADD on a fresh namespace N
// times (then DEL and the namespace removed). The CNI plugin runs in the root namespace, so its bridge gets
// a "wtt…" name and a 10.x subnet; the bridge, the namespaces, the IPAM directory and the ip_forward sysctl
// the bridge plugin turns on are all restored at the end, also on failure.

var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
const int Warmup = 3;
const string Network = "bench-attach";

using var interruption = new Interruption();
var ct = interruption.Token;

if (ReferenceBridge.Problem is { } problem)
{
    Console.Error.WriteLine($"attach: {problem}");
    return 2;
}

Console.WriteLine($"attach: create-to-network-ready latency, {n} sandboxes one after another ({Warmup} warm-up rounds each side not counted)");
Console.WriteLine($"  note: one {Environment.ProcessorCount}-core machine, possibly shared with other builds and tests: figures are noisy");

// ---- Weft: the agent's API on a 1-host lab.
List<double> weftCreate = [], weftRemove = [];
var weftCold = 0.0;
await using (var lab = await LabFixture.UpAsync(hosts: 1))
{
    using var client = lab.Client(1);
    await client.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.234.0.0/24")] }, ct);
    for (var i = 0; i < Warmup + n; i++)
    {
        var name = $"att{i}";
        var clock = Stopwatch.StartNew();
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxRequest
        {
            Name = name,
            Networks = [new SandboxNetworkSpec(Network)],
            Command = ["sleep", "infinity"],
        }, ct);
        var created = clock.Elapsed.TotalMilliseconds;
        CniCall.RequireReady(sandbox.NetworkNamespace, $"weft sandbox {name}");
        clock.Restart();
        await client.RemoveSandboxAsync(name, force: true, ct);
        var removed = clock.Elapsed.TotalMilliseconds;
        if (i == 0)
        {
            weftCold = created;
        }
        if (i >= Warmup)
        {
            weftCreate.Add(created);
            weftRemove.Add(removed);
        }
    }
    Console.WriteLine($"weft (lab {lab.State.Name}, one overlay, `weft run -d --net {Network} -- sleep infinity`)");
    BenchResult.Figure("weft run → network ready: p50", Stats.Median(weftCreate), "ms");
    BenchResult.Figure("weft run → network ready: p99", Stats.Percentile(weftCreate, 99), "ms");
    BenchResult.Figure("weft run → network ready: min", weftCreate.Min(), "ms");
    // The first sandbox also builds the network on the host (namespace, bridge, VXLAN device, DNS listener); later ones
    // find it built, or kept by the linger after the previous one left, as the peer finds its bridge after its first ADD.
    BenchResult.Figure("first weft run, building the network (cold)", weftCold, "ms");
    BenchResult.Figure("weft rm -f: p50", Stats.Median(weftRemove), "ms");
}

// ---- Peer: the reference CNI bridge plugin with host-local IPAM, in the root namespace.
List<double> cniNs = [], cniAdd = [], cniDel = [];
var namespaces = new List<string>();
string peer;
using (var bridge = new ReferenceBridge())
{
    peer = bridge.Description;
    try
    {
        for (var i = 0; i < Warmup + n; i++)
        {
            var ns = $"{bridge.Name}-c{i}";
            var clock = Stopwatch.StartNew();
            NetworkNamespace.Create(ns).Dispose();
            namespaces.Add(ns);
            var created = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await bridge.RunAsync("ADD", ns, ct);
            var added = clock.Elapsed.TotalMilliseconds;
            CniCall.RequireReady(Path.Combine(NetworkNamespace.DefaultRunDirectory, ns), $"CNI namespace {ns}");
            clock.Restart();
            await bridge.RunAsync("DEL", ns, ct);
            var deleted = clock.Elapsed.TotalMilliseconds;
            NetworkNamespace.Delete(ns);
            namespaces.Remove(ns);
            if (i >= Warmup)
            {
                cniNs.Add(created);
                cniAdd.Add(added);
                cniDel.Add(deleted);
            }
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
Console.WriteLine($"peer: CNI reference plugins ({peer})");
BenchResult.Figure("CNI ADD on a fresh namespace: p50", Stats.Median(cniAdd), "ms");
BenchResult.Figure("CNI ADD on a fresh namespace: p99", Stats.Percentile(cniAdd, 99), "ms");
BenchResult.Figure("CNI ADD: min", cniAdd.Min(), "ms");
BenchResult.Figure("creating the namespace first (not in ADD): p50", Stats.Median(cniNs), "ms");
BenchResult.Figure("CNI DEL: p50", Stats.Median(cniDel), "ms");
Console.WriteLine("  the issue notes ~11–19 ms for CNI ADD on this machine. Weft's figure also covers what the CNI");
Console.WriteLine("  figure leaves to the runtime: creating the namespace and starting the sandbox's process, plus");
Console.WriteLine("  the API round trip and IPAM in the cluster store.");

BenchResult.Print("attach", "attach p50 ms", Stats.Median(weftCreate), Stats.Median(cniAdd), higherIsBetter: false);
return 0;
