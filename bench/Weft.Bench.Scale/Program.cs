using System.Diagnostics;
using System.Globalization;
using System.Text;
using Weft.Api;
using Weft.Bench;
using Weft.Lab;
using Weft.Linux;
using Weft.Linux.Namespaces;
using Weft.Testing;

// bench/run scale [HOSTS] [PER_HOST]: a lab of HOSTS hosts (default 20, embedded store), PER_HOST sandboxes
// each (default 10) on one overlay, created concurrently per host and across hosts. Measures the time from
// the first sandbox creation until every host's VXLAN device holds an FDB entry for every remote endpoint
// (read from the kernel, polled), then the agents' resident memory and, over 30 quiet seconds, their idle CPU, wake-ups
// and threads; the medians of idle CPU and memory are printed against issue 15's budgets (TARGET lines).
// Peer, in the same run: iproute2 installing the same remote entries (FDB + neighbour, the same MACs, IPs
// and VTEPs) straight into one fresh namespace per host, hosts in parallel, through `ip netns exec NS
// bridge -batch` and `ip netns exec NS ip -batch`. That is the kernel-programming floor, with no store, no
// IPAM, no sandboxes and no veths, so it is a lower bound rather than a like-for-like system.
// The lab has a "wtt…" name; the peer's namespaces carry the lab's prefix; everything is removed at the end.

var hostCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var perHost = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
const string Network = "bench-scale";
const int ClockTicksPerSecond = 100; // USER_HZ on every Linux ABI Weft targets
var idle = TimeSpan.FromSeconds(30); // issue 15 budgets idle CPU per agent: long enough for a few resync passes
const double IdleCpuTarget = 0.5, RssTarget = 40; // issue 15: per agent, median of the 20
var convergenceLimit = TimeSpan.FromSeconds(180);

using var interruption = new Interruption();
var ct = interruption.Token;

var total = hostCount * perHost;
var remotePerHost = total - perHost;
Console.WriteLine($"scale: {hostCount} hosts × {perHost} sandboxes on one overlay ({total} sandboxes, {remotePerHost} remote FDB entries per host)");
Console.WriteLine($"  note: one {Environment.ProcessorCount}-core machine, possibly shared with other builds and tests: figures are noisy");

var upClock = Stopwatch.StartNew();
var state = await UpAsync(hostCount, ct);
BenchResult.Figure($"lab {state.Name} up ({hostCount} agents healthy)", upClock.Elapsed.TotalSeconds, "s");
var clients = state.Hosts.Select(h => new WeftApiClient(h.SocketPath)).ToArray();
var peerNamespaces = new List<string>();
try
{
    var net = await clients[0].CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.232.0.0/20")] }, ct);
    var vni = net.Vni ?? throw new InvalidOperationException("an overlay network without a VNI");
    await LabFixture.EventuallyAsync(async () =>
    {
        var seen = await Task.WhenAll(clients.Select(c => c.ListNetworksAsync(ct)));
        return seen.All(list => list.Any(n => n.Name == Network));
    }, $"every host sees {Network}");

    // ---- Weft: create every sandbox, poll every host's vx device until it holds all remote entries.
    var ready = new TimeSpan?[hostCount];
    var clock = Stopwatch.StartNew();
    using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(ct);
    var poller = Task.Run(() => Poll(state, Network, vni, remotePerHost, ready, clock, stopPolling.Token), CancellationToken.None);
    var createTimes = new double[hostCount];
    await Task.WhenAll(Enumerable.Range(0, hostCount).Select(async h =>
    {
        await Task.WhenAll(Enumerable.Range(0, perHost).Select(s => clients[h].CreateSandboxAsync(new CreateSandboxRequest
        {
            Name = $"s{h + 1}x{s}",
            Networks = [new SandboxNetworkSpec(Network)],
            Command = ["sleep", "infinity"],
        }, ct)));
        createTimes[h] = clock.Elapsed.TotalSeconds;
    }));
    var allCreated = clock.Elapsed;
    while (ready.Any(r => r is null) && clock.Elapsed < convergenceLimit && !poller.IsCompleted)
    {
        await Task.Delay(100, ct);
    }
    await stopPolling.CancelAsync();
    var counts = await poller;
    if (ready.Any(r => r is null))
    {
        var behind = Enumerable.Range(0, hostCount).Where(i => ready[i] is null).Select(i => $"{state.Hosts[i].Name} {counts[i]}/{remotePerHost}");
        throw new TimeoutException($"not converged within {convergenceLimit.TotalSeconds} s: {string.Join(", ", behind)}");
    }
    var converged = ready.Max(r => r!.Value);
    BenchResult.Figure("all sandboxes created (every API call returned)", allCreated.TotalSeconds, "s");
    BenchResult.Figure("median host's creations returned", Stats.Median(createTimes), "s");
    BenchResult.Figure("slowest host's creations returned", createTimes.Max(), "s");
    BenchResult.Figure("first host with all remote FDB entries", ready.Min(r => r!.Value).TotalSeconds, "s");
    BenchResult.Figure("median host with all remote FDB entries", Stats.Median(ready.Select(r => r!.Value.TotalSeconds)), "s");
    BenchResult.Figure($"every host has all {remotePerHost} remote FDB entries", converged.TotalSeconds, "s");
    BenchResult.Figure("  remote FDB entries programmed in total", (double)remotePerHost * hostCount, "entries");
    BenchResult.Figure("  entries per second, cluster-wide", remotePerHost * hostCount / converged.TotalSeconds, "entries/s");

    // ---- The agents at rest: CPU over a quiet interval, then resident memory. The wait first lets the burst's work
    // end and each agent's idle memory trim run (src/Weft.Agent/Host/IdleMemoryTrim.cs: 10-20 s after its last
    // collection), so the figures are of agents at rest rather than just after a burst.
    await Task.Delay(TimeSpan.FromSeconds(25), ct);
    var pids = state.Hosts.Select(h => h.AgentPid ?? throw new InvalidOperationException($"{h.Name} has no agent")).ToArray();
    foreach (var pid in pids.Where(p => File.ReadAllText($"/proc/{p}/comm").Trim() != "weft").Take(1))
    {
        Console.WriteLine($"  warning: agent pid {pid} is '{File.ReadAllText($"/proc/{pid}/comm").Trim()}', not weft; figures below are of that process");
    }
    var before = pids.Select(CpuTicks).ToArray();
    var childrenBefore = pids.Select(ChildCpuTicks).ToArray();
    var switchesBefore = pids.Select(ContextSwitches).ToArray();
    var idleClock = Stopwatch.StartNew();
    await Task.Delay(idle, ct);
    var after = pids.Select(CpuTicks).ToArray();
    var childrenAfter = pids.Select(ChildCpuTicks).ToArray();
    var switchesAfter = pids.Select(ContextSwitches).ToArray();
    var threads = pids.Select(p => (double)Directory.GetDirectories($"/proc/{p}/task").Length).ToArray();
    var seconds = idleClock.Elapsed.TotalSeconds;
    var cpu = before.Zip(after, (b, a) => (a - b) / (double)ClockTicksPerSecond / seconds * 100).ToArray();
    var childCpu = childrenBefore.Zip(childrenAfter, (b, a) => (a - b) / (double)ClockTicksPerSecond / seconds * 100).ToArray();
    var wakeups = switchesBefore.Zip(switchesAfter, (b, a) => WakeupsBetween(b, a) / seconds).ToArray();
    var rss = pids.Select(p => StatusMiB(p, "VmRSS")).ToArray();
    var anon = pids.Select(p => StatusMiB(p, "RssAnon")).ToArray();
    BenchResult.Figure("agent resident memory (VmRSS): median", Stats.Median(rss), "MiB");
    BenchResult.Figure("agent resident memory (VmRSS): largest", rss.Max(), "MiB");
    BenchResult.Figure("agent resident memory (VmRSS): all agents together", rss.Sum(), "MiB");
    BenchResult.Figure("  of which anonymous (heap, stacks): median", Stats.Median(anon), "MiB");
    BenchResult.Figure("  of which file-backed (the executable, shared by all): median", Stats.Median(rss.Zip(anon, (r, a) => r - a)), "MiB");
    BenchResult.Figure("agent proportional memory (PSS: shared pages split among their users): median", Stats.Median(pids.Select(p => StatusMiB(p, "Pss", "smaps_rollup"))), "MiB");
    BenchResult.Figure($"agent idle CPU over {seconds:0} s: median (% of one core)", Stats.Median(cpu), "%");
    BenchResult.Figure("agent idle CPU: busiest (% of one core)", cpu.Max(), "%");
    BenchResult.Figure("agent idle CPU: all agents together (% of one core)", cpu.Sum(), "%");
    BenchResult.Figure("  processes it ran and waited for (nft): median", Stats.Median(childCpu), "%");
    BenchResult.Figure("agent idle wake-ups (context switches): median", Stats.Median(wakeups), "/s");
    BenchResult.Figure("agent threads: median", Stats.Median(threads), "threads");
    Target("agent idle CPU, median of the agents (% of one core)", Stats.Median(cpu), IdleCpuTarget, "%");
    Target("agent resident memory (VmRSS), median of the agents", Stats.Median(rss), RssTarget, "MiB");

    // ---- Peer: iproute2 installing the same entries directly, one namespace per host, hosts in parallel.
    var detail = await clients[0].InspectNetworkAsync(Network, ct);
    var vtep = state.Hosts.ToDictionary(h => h.Name, h => h.Address, StringComparer.Ordinal);
    var work = Directory.CreateTempSubdirectory("weft-bench-scale-");
    try
    {
        var jobs = new List<(string Ns, string Fdb, string Neigh)>();
        for (var i = 0; i < hostCount; i++)
        {
            var host = state.Hosts[i];
            var ns = $"{state.Name}-peer{i + 1}";
            NetworkNamespace.Create(ns).Dispose();
            peerNamespaces.Add(ns);
            await RunAsync(["ip", "-n", ns, "link", "add", "vx-peer", "type", "vxlan", "id", vni.ToString(CultureInfo.InvariantCulture), "dstport", "4789", "nolearning", "proxy"], ct);
            await RunAsync(["ip", "-n", ns, "link", "set", "vx-peer", "up"], ct);
            var fdb = new StringBuilder();
            var neigh = new StringBuilder();
            foreach (var e in detail.Endpoints.Where(e => e.Host != host.Name))
            {
                var ip = e.Address!.Split('/')[0];
                fdb.Append(CultureInfo.InvariantCulture, $"fdb replace {e.Mac} dev vx-peer dst {vtep[e.Host]} self permanent\n");
                neigh.Append(CultureInfo.InvariantCulture, $"neigh replace {ip} lladdr {e.Mac} dev vx-peer nud permanent\n");
            }
            var fdbFile = Path.Combine(work.FullName, $"fdb{i}");
            var neighFile = Path.Combine(work.FullName, $"neigh{i}");
            await File.WriteAllTextAsync(fdbFile, fdb.ToString(), ct);
            await File.WriteAllTextAsync(neighFile, neigh.ToString(), ct);
            jobs.Add((ns, fdbFile, neighFile));
        }
        var peerClock = Stopwatch.StartNew();
        await Task.WhenAll(jobs.Select(async j =>
        {
            await RunAsync(["ip", "netns", "exec", j.Ns, "bridge", "-batch", j.Fdb], ct);
            await RunAsync(["ip", "netns", "exec", j.Ns, "ip", "-batch", j.Neigh], ct);
        }));
        var peer = peerClock.Elapsed;
        foreach (var j in jobs)
        {
            using var ns = NetworkNamespace.Open(j.Ns);
            using var nl = ns.OpenNetlink();
            var n = nl.ListFdb(nl.GetLink("vx-peer").Index).Count(e => e.Destination is not null);
            if (n != remotePerHost)
            {
                throw new InvalidOperationException($"iproute2 peer: {j.Ns} holds {n} FDB entries, expected {remotePerHost}");
            }
        }
        BenchResult.Figure($"peer: iproute2 batch, {remotePerHost}×{hostCount} FDB + neigh entries", peer.TotalSeconds, "s");
        Console.WriteLine("  the peer is iproute2 (`ip netns exec NS bridge -batch` then `ip -batch`, one namespace per host,");
        Console.WriteLine("  hosts in parallel) installing the same remote FDB and neighbour entries on a bare VXLAN device:");
        Console.WriteLine("  the kernel-programming floor. Weft's time also covers creating the sandboxes (namespaces, veths,");
        Console.WriteLine("  processes), IPAM in the store, and the store watch fan-out to every host, so ratio << 1 is expected.");

        BenchResult.Print("scale", $"seconds until {hostCount} hosts hold all {remotePerHost} remote FDB entries", converged.TotalSeconds, peer.TotalSeconds, higherIsBetter: false);
    }
    finally
    {
        work.Delete(recursive: true);
    }
}
finally
{
    foreach (var ns in peerNamespaces.Where(n => NetworkNamespace.Exists(n)))
    {
        NetworkNamespace.Delete(ns);
    }
    foreach (var c in clients)
    {
        c.Dispose();
    }
    Lab.Down(LabOptions.DefaultBaseDirectory, state.Name, _ => { });
}
return 0;

// Lab.UpAsync gives each agent's status call 2 s and does not catch that timeout (src/Weft.Lab/Lab.cs,
// WaitHealthyAsync), so while 20 .NET agents start at once on 2 cores `up` fails on an agent that is merely
// slow. Up removes what it built before throwing; the second attempt staggers the agents' starts (each waits
// for a lock, holds it for 1 s, then execs weft under the same pid), which leaves the measured phase,
// after every agent is up, unchanged.
static async Task<LabState> UpAsync(int hosts, CancellationToken ct)
{
    var options = LabFixture.WithUnderlayOverride(new LabOptions
    {
        Name = LabFixture.NewName(),
        Hosts = hosts,
        Store = LabStore.Embedded,
        HostTtl = TimeSpan.FromSeconds(15),
        WeftCommand = WeftBinary.Command,
    });
    try
    {
        return await Lab.UpAsync(options, _ => { }, ct);
    }
    catch (TaskCanceledException e) when (!ct.IsCancellationRequested && WeftBinary.Command.Count == 1)
    {
        Console.WriteLine($"  lab up with all agents starting at once failed ({e.Message.Split('.')[0]});");
        Console.WriteLine("  retrying with agent starts staggered by 1 s (see the src note in the report)");
        var gate = Path.Combine(options.BaseDirectory, options.Name, "agent-start.lock");
        options = options with
        {
            WeftCommand = ["sh", "-c", $"flock {gate} sleep 1; exec \"$0\" \"$@\"", WeftBinary.Command[0]],
        };
        return await Lab.UpAsync(options, _ => { }, ct);
    }
}

// Reads every host's remote FDB entries until all are complete or polling stops; returns the last counts.
static int[] Poll(LabState state, string network, int vni, int expected, TimeSpan?[] ready, Stopwatch clock, CancellationToken ct)
{
    var counts = new int[state.Hosts.Count];
    var handles = new (NetworkNamespace Ns, NetlinkHandle Nl, int Vx)?[state.Hosts.Count];
    try
    {
        while (!ct.IsCancellationRequested && ready.Any(r => r is null))
        {
            for (var i = 0; i < state.Hosts.Count; i++)
            {
                if (ready[i] is not null)
                {
                    continue;
                }
                if (handles[i] is null)
                {
                    // The overlay namespace appears once the host has its first endpoint on the network.
                    var name = $"weft-{state.Hosts[i].Name}_{network}";
                    if (!NetworkNamespace.Exists(name))
                    {
                        continue;
                    }
                    try
                    {
                        var ns = NetworkNamespace.Open(name);
                        var nl = ns.OpenNetlink();
                        handles[i] = (ns, nl, nl.GetLink($"vx-{vni}").Index);
                    }
                    catch (KernelException)
                    {
                        continue; // namespace or device still being built
                    }
                }
                var h = handles[i]!.Value;
                counts[i] = h.Nl.ListFdb(h.Vx).Count(e => e.Destination is not null);
                if (counts[i] >= expected)
                {
                    ready[i] = clock.Elapsed;
                }
            }
            Thread.Sleep(100);
        }
        return counts;
    }
    finally
    {
        foreach (var h in handles.OfType<(NetworkNamespace Ns, NetlinkHandle Nl, int Vx)>())
        {
            h.Nl.Dispose();
            h.Ns.Dispose();
        }
    }
}

static long CpuTicks(int pid)
{
    // Fields after the command name, which may contain spaces: state is the first, utime the 12th, stime the 13th.
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
}

// Issue 15's budgets: "TARGET what: median V, target ≤ T, ratio T/V (met)"; ratio > 1 means within the budget.
static void Target(string what, double median, double target, string unit) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"TARGET {what}: median {median:0.###} {unit}, target ≤ {target} {unit}, ratio {target / median:0.##} ({(median <= target ? "met" : "NOT met")})"));

static long ChildCpuTicks(int pid)
{
    // cutime and cstime, the 14th and 15th fields after the name: the processes the agent waited for (nft, say).
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
}

// Every thread's voluntary and involuntary context switches, by thread id: each one is a time the thread slept or
// was put aside, so the difference between two reads counts the agent's wake-ups.
static Dictionary<int, long> ContextSwitches(int pid)
{
    var switches = new Dictionary<int, long>();
    foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
    {
        try
        {
            switches[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = File.ReadLines(Path.Combine(task, "status"))
                .Where(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                .Sum(l => long.Parse(l.Split(':')[1].Trim(), CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            // The thread ended in between (a thread-pool worker retiring).
        }
    }
    return switches;
}

// Threads that lived through the interval count their difference, threads born in it all of theirs; threads that
// ended in it are lost (an undercount, small against the long-lived threads).
static long WakeupsBetween(Dictionary<int, long> before, Dictionary<int, long> after) =>
    after.Sum(t => t.Value - before.GetValueOrDefault(t.Key));

static double StatusMiB(int pid, string field, string file = "status")
{
    var line = File.ReadLines($"/proc/{pid}/{file}").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}

static async Task RunAsync(IReadOnlyList<string> argv, CancellationToken ct)
{
    var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in argv.Skip(1))
    {
        psi.ArgumentList.Add(a);
    }
    using var p = Process.Start(psi)!;
    var output = p.StandardOutput.ReadToEndAsync(ct);
    var error = p.StandardError.ReadToEndAsync(ct);
    await p.WaitForExitAsync(ct);
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{string.Join(' ', argv)}: exit {p.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
    }
}
