using System.Globalization;
using System.Text.RegularExpressions;
using Weft.Api;
using Weft.Bench;
using Weft.Core.Model;
using Weft.Lab;
using Weft.Testing;

// bench/run ports: HTTP requests per second through Weft's published port (`-p 8080:80`, a DNAT in host 1's namespace)
// against direct access to the sandbox's overlay address, and against Docker's `-p 8081:80` on the same lab, in one run,
// with the same load: wrk (1 thread, 16 connections, 5 s) against busybox httpd.
//   lab: 2 hosts, `weft lab up --docker` (Docker's FORWARD DROP and br_netfilter are loaded, as on a real Docker host).
//   server: host 1, a Weft sandbox `web` on an overlay running `busybox httpd`, published as 8080:80; a Docker container
//           `dweb` on Docker's default bridge, the same busybox httpd (the host's own files, bound in), published as 8081:80.
//   from another host: every request comes from a Weft sandbox `client` on host 2 on the same overlay:
//     direct          → web's overlay address:80 (VXLAN between the hosts, no NAT);
//     weft published  → host 1's underlay address:8080 (out of host 2 through the overlay's uplink, masqueraded, then
//                       Weft's DNAT on host 1 and the route into the overlay);
//     docker published→ host 1's underlay address:8081 (the same way out, then Docker's DNAT to docker0).
//     Both published paths are a kernel DNAT here: Docker's docker-proxy does not take part.
//   from the same host (hairpin), each engine's own container asks its host's published port:
//     weft published  → a Weft sandbox `near` on host 1's overlay to host 1's address:8080 (Weft's DNAT, and the
//                       hairpin masquerade back into the overlay);
//     docker published→ a Docker container `dnear` on docker0 to host 1's address:8081: Docker sends its own bridge's
//                       traffic to docker-proxy (its DOCKER chain returns for `-i docker0`), which connects to dweb.
//                       wrk runs in dnear's network namespace (nsenter): the busybox image has no wrk.
// The targets are interleaved round by round so that noise on this shared machine falls on all of them alike; each
// Weft/Docker ratio is taken within a round (the two ran seconds apart) and the median of those is printed.
// Everything carries a "wtt…" (or WEFT_TEST_LAB_PREFIX) name and is removed at the end, also on failure and on Ctrl-C.

const int Rounds = 5;
const int Seconds = 5;
const int Connections = 16;
const string Network = "bench-ports";

using var interruption = new Interruption();
var ct = interruption.Token;

if (LabDocker.Problem() is { } problem)
{
    Console.Error.WriteLine($"ports: cannot run: {problem}");
    return 2;
}

Console.WriteLine($"ports: wrk -t1 -c{Connections} -d{Seconds}s against busybox httpd on host 1, from host 2 and from host 1's own containers, {Rounds} interleaved rounds");
Console.WriteLine($"  note: one {Environment.ProcessorCount}-core machine, possibly shared with other builds and tests: figures are noisy");

var www = Directory.CreateTempSubdirectory("wtp-www-").FullName;
LabFixture? lab = null;
try
{
    await File.WriteAllTextAsync(Path.Combine(www, "index.html"), "hello from the sandbox\n", ct);
    lab = await LabFixture.UpAsync(hosts: 2, docker: true);
    Console.WriteLine($"  lab {lab.State.Name}: {lab.Host(1).Name} {lab.Host(1).Address}, {lab.Host(2).Name} {lab.Host(2).Address}");
    using var h1 = lab.Client(1);
    using var h2 = lab.Client(2);
    await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.232.0.0/24")] }, ct);
    await LabFixture.EventuallyAsync(async () => (await h2.ListNetworksAsync(ct)).Any(n => n.Name == Network), $"{lab.Host(2).Name} sees {Network}");
    var web = await h1.CreateSandboxAsync(new CreateSandboxRequest
    {
        Name = "web",
        Networks = [new SandboxNetworkSpec(Network)],
        Command = ["busybox", "httpd", "-f", "-p", "80", "-h", www],
        Ports = [PortMapping.Parse("8080:80")],
    }, ct);
    await h2.CreateSandboxAsync(new CreateSandboxRequest { Name = "client", Networks = [new SandboxNetworkSpec(Network)], Command = ["sleep", "infinity"] }, ct);
    await h1.CreateSandboxAsync(new CreateSandboxRequest { Name = "near", Networks = [new SandboxNetworkSpec(Network)], Command = ["sleep", "infinity"] }, ct);
    // Both servers run the very same files: the image holds copies of this machine's busybox and libraries, whose page
    // cache is their own, and a fork per connection then costs a different amount (measured from host 1 itself, no NAT:
    // the image's copies 1-10 % ahead of the same container with the host's files, more page faults mapped and unmapped
    // per fork with the host's). So dweb gets the host's files bound over the copies, and the host's /etc/localtime,
    // which the sandbox sees as well (glibc reads it whenever the server formats a local time).
    var sameFiles = (await BusyboxImage.HostFilesAsync(ct)).Append(("/etc/localtime", "/etc/localtime"))
        .Where(f => File.Exists(f.Item1)).SelectMany(f => (string[])["-v", $"{f.Item1}:{f.Item2}:ro"]);
    await lab.DockerOkAsync(1, ["run", "-d", "--name", "dweb", "-p", "8081:80", .. sameFiles, BusyboxImage.Name,
        "sh", "-c", "mkdir -p /www && echo hello-from-docker > /www/index.html && exec httpd -f -p 80 -h /www"]);
    await lab.DockerOkAsync(1, "run", "-d", "--name", "dnear", BusyboxImage.Name, "sleep", "1000000");
    var dnear = await lab.DockerOkAsync(1, "inspect", "-f", "{{.State.Pid}}", "dnear");

    // busybox httpd closes every connection, so each 5 s run leaves some 20,000 client sockets in TIME_WAIT (60 s) towards
    // its target, and the next round towards it found its ephemeral ports taken: every path then fell from ~4,500 to
    // ~700 req/s by round 3. Every client namespace reuses them, as load generators are set up to (it is per namespace);
    // so does host 1's own, where docker-proxy makes its connections to dweb.
    var remote = new Client($"Weft sandbox on {lab.Host(2).Name}", command => lab.ExecAsync(2, "client", command));
    var near = new Client($"Weft sandbox on {lab.Host(1).Name}", command => lab.ExecAsync(1, "near", command));
    var dockerNear = new Client($"Docker container on {lab.Host(1).Name}", command => lab.RunOnHostAsync(1, ["nsenter", "-t", dnear, "-n", .. command]));
    var host1 = new Client($"{lab.Host(1).Name} itself", command => lab.RunOnHostAsync(1, command));
    foreach (var client in new[] { remote, near, dockerNear, host1 })
    {
        var reuse = await client.Run(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse && cat /proc/sys/net/ipv4/tcp_tw_reuse"]);
        if (reuse.ExitCode != 0 || reuse.Output.Trim() != "1")
        {
            throw new InvalidOperationException($"tcp_tw_reuse in {client.Name}: exit {reuse.ExitCode}: {reuse.Output.Trim()}");
        }
    }

    var weftPort = $"http://{lab.Host(1).Address}:8080/";
    var dockerPort = $"http://{lab.Host(1).Address}:8081/";
    var targets = new Target[]
    {
        new("other host: direct (overlay address)", remote, $"http://{web.Endpoints[0].Address}:80/"),
        new("other host: weft -p (DNAT)", remote, weftPort),
        new("other host: docker -p (DNAT)", remote, dockerPort),
        new("same host: weft -p (hairpin DNAT)", near, weftPort),
        new("same host: docker -p (docker-proxy)", dockerNear, dockerPort),
    };
    foreach (var target in targets)
    {
        await LabFixture.EventuallyAsync(async () => (await target.From.Run(["curl", "-s", "-m", "3", target.Url])).Output.Contains("hello", StringComparison.Ordinal),
            $"{target.Url} answers the {target.From.Name}", 30);
        Console.WriteLine($"  {target.Label,-44} {target.From.Name} -> {target.Url}");
    }

    var samples = targets.Select(_ => new List<double>()).ToArray();
    for (var round = 1; round <= Rounds; round++)
    {
        for (var i = 0; i < targets.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            samples[i].Add(await WrkAsync(targets[i]));
            BenchResult.Figure($"round {round}: {targets[i].Label}", samples[i][^1], "req/s");
        }
    }

    Console.WriteLine($"medians of {Rounds} rounds");
    for (var i = 0; i < targets.Length; i++)
    {
        BenchResult.Figure(targets[i].Label, Stats.Median(samples[i]), "req/s");
    }
    var direct = Stats.Median(samples[0]);
    var published = Stats.Median(samples[1]);
    // Each Weft/Docker ratio pairs the two runs of one round, seconds apart, so that a slow minute weighs on both.
    static double PairedMedian(List<double> weft, List<double> docker) => Stats.Median(weft.Zip(docker, (w, d) => w / d));
    BenchResult.Figure("other host: weft -p / direct (goal >= 0.9)", published / direct, "x");
    BenchResult.Figure("other host: weft -p / docker -p", PairedMedian(samples[1], samples[2]), "x");
    BenchResult.Figure("same host: weft -p / docker -p", PairedMedian(samples[3], samples[4]), "x");
    // The one closing line: the peer is direct access (the issue's goal, >= 0.9); Docker's ratios are the figures above.
    BenchResult.Print("ports", "published/direct req/s (median)", published, direct, higherIsBetter: true);
    return 0;
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    Console.Error.WriteLine("ports: cancelled; everything it made has been removed");
    return 130;
}
finally
{
    if (lab is not null)
    {
        await lab.DisposeAsync();
    }
    TempDirectories.Remove(www);
}

// One wrk run from the target's client; its "Requests/sec:" line. Socket errors (timeouts, resets) fail the benchmark
// rather than flatter a path that drops requests.
static async Task<double> WrkAsync(Target target)
{
    var (code, output) = await target.From.Run(["wrk", "-t1", $"-c{Connections}", $"-d{Seconds}s", target.Url]);
    var rate = Regex.Match(output, @"Requests/sec:\s*([0-9.]+)");
    if (code != 0 || !rate.Success)
    {
        throw new InvalidOperationException($"wrk {target.Url} from the {target.From.Name}: exit {code}: {output.Trim()}");
    }
    if (Regex.IsMatch(output, "Socket errors|Non-2xx"))
    {
        throw new InvalidOperationException($"wrk {target.Url} from the {target.From.Name}: errors: {output.Trim()}");
    }
    return double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture);
}

/// <summary>Where a load runs: a command runner in one network namespace.</summary>
internal sealed record Client(string Name, Func<string[], Task<(int ExitCode, string Output)>> Run);

/// <summary>One measured path: a URL asked from one client.</summary>
internal sealed record Target(string Label, Client From, string Url);
