using System.Globalization;
using Weft.Bench;
using Weft.Bench.Convergence;
using Weft.Core.Naming;
using Weft.Lab;
using Weft.Testing;

// bench/run docker [N]: Docker containers on a Weft network against Docker 20.10's legacy overlay (`--cluster-store`,
// as the seeds ran it), in the same run, on the same machine.
//   1. convergence: `docker run -d --net NET --ip IP --name tN busybox sleep 3600` on host A is started → a container on
//      host B gets an ICMP echo reply from the new one. N trials per side (default 30) after 2 warm-up trials, measured
//      exactly as `bench/run convergence` measures sandboxes (its trial loop, probe and entry watch).
//   2. `docker run -d` itself on host A: on the Weft network against Docker's built-in bridge network of the same daemon.
//   3. throughput: iperf3 (3 s, 1 stream) from host C's container to host B's, 3 rounds per side.
//   weft: a 3-host `weft lab up --docker` lab: a dockerd per host with the weft network and IPAM plugin of its agent.
//   peer: three dockerd with --cluster-store etcd and the legacy overlay driver (the convergence benchmark's peer).
// Everything carries a "wtt…" name and is removed at the end, also on failure and on Ctrl-C.

var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
const int Warmup = 2;
const int Rounds = 3;
const string Network = "bench-docker";
if (n < 1 || n + Warmup > Addresses.MaxTrials)
{
    Console.Error.WriteLine($"docker: N must be 1..{Addresses.MaxTrials - Warmup}");
    return 2;
}

using var interruption = new Interruption();
var ct = interruption.Token;

var (dockerVersion, dockerProblem) = await DockerCluster.ProbeAsync(ct);
dockerProblem ??= LabDocker.Problem();
if (dockerVersion is null || dockerProblem is not null)
{
    Console.Error.WriteLine($"docker: cannot run: {dockerProblem}");
    return 2;
}

Console.WriteLine($"docker: {dockerVersion}; 3 hosts per side; {n} trials per side ({Warmup} warm-up trials not counted): `docker run -d` on host A is started → a container on host B gets an echo reply from the new one");
Console.WriteLine($"  probe: a raw ICMP socket in host B's container, one echo every {EchoProbe.Interval.TotalMilliseconds:0} ms; ARP retransmit there {EchoProbe.ArpRetransmitMilliseconds} ms on both sides");
Console.WriteLine($"  note: one {Environment.ProcessorCount}-core machine, possibly shared with other builds and tests: figures are noisy");

try
{
    // ---- Weft: a 3-host lab with a dockerd per host.
    Measured weft;
    List<double> bridgeRuns = [];
    List<double> weftThroughput = [];
    string? labName = null;
    try
    {
        await using var lab = await LabFixture.UpAsync(hosts: 3, docker: true);
        labName = lab.State.Name;
        await lab.DockerOkAsync(1, "network", "create", "-d", "weft", "--ipam-driver", "weft", "--subnet", Addresses.Subnet, Network);
        foreach (var h in new[] { 2, 3 })
        {
            await LabFixture.EventuallyAsync(async () => (await lab.DockerAsync(h, "network", "inspect", Network)).ExitCode == 0, $"host {h}'s Docker has {Network}");
        }
        await lab.DockerOkAsync(2, "run", "-d", "--net", Network, "--ip", Addresses.ProbeOnB.ToString(), "--name", "probe", BusyboxImage.Name, "sleep", "3600");
        await lab.DockerOkAsync(3, "run", "-d", "--net", Network, "--ip", Addresses.BystanderOnC.ToString(), "--name", "bystander", BusyboxImage.Name, "sleep", "3600");
        var probeNs = $"/proc/{await lab.DockerOkAsync(2, "inspect", "-f", "{{.State.Pid}}", "probe")}/ns/net";
        var bystanderNs = $"/proc/{await lab.DockerOkAsync(3, "inspect", "-f", "{{.State.Pid}}", "bystander")}/ns/net";
        var overlayB = LabDemo.NamespacePath(KernelNames.NetworkNamespaceName(lab.Host(2).Name, Network));

        using (var probe = EchoProbe.Open(probeNs, "eth0"))
        await using (var entries = EntryWatch.Start(overlayB))
        {
            RequireReply(probe, Addresses.BystanderOnC, "weft: host B's container cannot ping host C's", ct);
            Console.WriteLine($"weft: lab {lab.State.Name}, `docker network create -d weft --ipam-driver weft --subnet {Addresses.Subnet} {Network}`, `docker run -d --net {Network} --ip IP --name tN busybox sleep 3600` on {lab.Host(1).Name}");
            weft = await Trials.MeasureAsync(new LabDockerSide(lab, Network), "weft", probe, entries, Addresses.Trial, Warmup, n, Addresses.MaxTrials, ct);
        }

        // The same daemon, its own bridge network: what `docker run -d` costs without any plugin.
        var bridge = new LabDockerSide(lab, "bridge");
        for (var i = 0; i < Warmup + n; i++)
        {
            var run = await bridge.RunAsync($"b{i}", null, ct);
            if (run.Failure is { } failure)
            {
                throw new InvalidOperationException(failure);
            }
            if (i >= Warmup)
            {
                bridgeRuns.Add((run.Returned - run.Started) * 1000.0 / System.Diagnostics.Stopwatch.Frequency);
            }
            await bridge.RemoveAsync($"b{i}", ct);
        }

        for (var r = 0; r < Rounds; r++)
        {
            weftThroughput.Add(await LabDemo.IperfAsync(probeNs, bystanderNs, Addresses.ProbeOnB.ToString(), ct));
        }
    }
    finally
    {
        if (labName is not null)
        {
            Lab.Down(LabOptions.DefaultBaseDirectory, labName, _ => { });
        }
    }
    Trials.Report("weft", weft);

    // ---- Peer: Docker's legacy overlay on three daemons.
    Measured peer;
    List<double> peerThroughput = [];
    await using (var docker = await DockerCluster.StartAsync(LabFixture.NewName(), hosts: 3, underlay: "198.18.77", line => Console.WriteLine(line), ct))
    {
        var networkId = await docker.DockerOkAsync(1, ["network", "create", "-d", "overlay", "--subnet", Addresses.Subnet, Network], ct);
        await LabFixture.EventuallyAsync(async () =>
            (await docker.DockerAsync(2, ["network", "inspect", Network], ct)).Code == 0 && (await docker.DockerAsync(3, ["network", "inspect", Network], ct)).Code == 0,
            $"Docker hosts 2 and 3 see {Network}");
        await docker.DockerOkAsync(2, ["run", "-d", "--pull", "never", "--net", Network, "--ip", Addresses.ProbeOnB.ToString(), "--name", "probe", DockerCluster.Image, "sleep", "3600"], ct);
        await docker.DockerOkAsync(3, ["run", "-d", "--pull", "never", "--net", Network, "--ip", Addresses.BystanderOnC.ToString(), "--name", "bystander", DockerCluster.Image, "sleep", "3600"], ct);
        var probeNs = $"/proc/{await docker.DockerOkAsync(2, ["inspect", "-f", "{{.State.Pid}}", "probe"], ct)}/ns/net";
        var bystanderNs = $"/proc/{await docker.DockerOkAsync(3, ["inspect", "-f", "{{.State.Pid}}", "bystander"], ct)}/ns/net";

        using (var probe = EchoProbe.Open(probeNs, "eth0"))
        await using (var entries = EntryWatch.Start(docker.OverlayNamespacePath(2, networkId)))
        {
            RequireReply(probe, Addresses.BystanderOnC, "Docker: host B's container cannot ping host C's", ct);
            Console.WriteLine($"peer: legacy overlay {Network} {Addresses.Subnet} (--cluster-store etcd v2, serf on 7946), `docker run -d --net {Network} --ip IP --name tN busybox sleep 3600` on host 1");
            peer = await Trials.MeasureAsync(new DockerSide(docker, Network), "docker", probe, entries, Addresses.Trial, Warmup, n, Addresses.MaxTrials, ct);
        }
        for (var r = 0; r < Rounds; r++)
        {
            peerThroughput.Add(await LabDemo.IperfAsync(probeNs, bystanderNs, Addresses.ProbeOnB.ToString(), ct));
        }
    }
    Trials.Report("docker legacy overlay", peer);

    Console.WriteLine("`docker run -d` on host A, start → return (the same daemon): a Weft network against Docker's bridge network");
    var weftRuns = weft.Trials.Select(t => t.RunMs).ToList();
    BenchResult.Figure("weft network: docker run -d p50", Stats.Median(weftRuns), "ms");
    BenchResult.Figure("bridge network: docker run -d p50", Stats.Median(bridgeRuns), "ms");
    BenchResult.Figure("bridge / weft (p50)", Stats.Median(bridgeRuns) / Stats.Median(weftRuns), "x");
    BenchResult.Figure("legacy overlay: docker run -d p50", Stats.Median(peer.Trials.Select(t => t.RunMs)), "ms");

    Console.WriteLine($"throughput, iperf3 host C's container → host B's, {Rounds} rounds (median)");
    BenchResult.Figure("weft", Stats.Median(weftThroughput), "Mbit/s");
    BenchResult.Figure("docker legacy overlay", Stats.Median(peerThroughput), "Mbit/s");
    BenchResult.Figure("weft / legacy overlay", Stats.Median(weftThroughput) / Stats.Median(peerThroughput), "x");

    BenchResult.Print("docker", "docker run -d start to pingable from another host p50 ms",
        Stats.Median(Trials.FromStart(weft.Trials)), Stats.Median(Trials.FromStart(peer.Trials)), higherIsBetter: false);
    return 0;
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    Console.Error.WriteLine("docker: cancelled; everything it made has been removed");
    return 130;
}

// Both sides must carry traffic between long-lived containers before a trial means anything.
static void RequireReply(EchoProbe probe, System.Net.IPAddress address, string failure, CancellationToken ct)
{
    if (probe.WaitForReply(address, TimeSpan.FromSeconds(10), ct) is null)
    {
        throw new InvalidOperationException(failure);
    }
}

/// <summary>`docker run -d` on lab host A's dockerd, as a person would type it there (`weft lab exec A -- docker run …`).</summary>
internal sealed class LabDockerSide(LabFixture lab, string network) : IConvergenceSide
{
    public async Task<RunResult> RunAsync(string name, System.Net.IPAddress? address, CancellationToken ct)
    {
        using var ns = Weft.Linux.Namespaces.NetworkNamespace.Open(lab.Host(1).Namespace);
        string[] ip = address is null ? [] : ["--ip", address.ToString()];
        var (code, output, started, returned) = await Trials.RunInAsync(ns,
            [LabDocker.DockerCli, "run", "-d", "--net", network, .. ip, "--name", name, BusyboxImage.Name, "sleep", "3600"],
            LabDocker.CliEnvironment(lab.Host(1)), ct);
        return new(started, returned, code == 0 ? null : $"docker run -d --name {name} --net {network} on {lab.Host(1).Name}: exit {code}: {Trials.ErrorLine(output)}");
    }

    Task<RunResult> IConvergenceSide.RunAsync(string name, System.Net.IPAddress address, CancellationToken ct) => RunAsync(name, address, ct);

    public Task RemoveAsync(string name, CancellationToken ct) => lab.DockerOkAsync(1, "rm", "-f", name);
}
