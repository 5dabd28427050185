using System.Globalization;
using System.Text;
using Weft.Api;
using Weft.Bench;
using Weft.Lab;
using Weft.Testing;

// bench/run dns [SECONDS]: Weft's DNS server against dnsmasq, both asked by dnsperf from inside a sandbox.
//
// A 1-host lab runs an overlay with 20 sandboxes (name sN, alias aN) and a client sandbox. The peer is
// dnsmasq from Debian, itself started as a Weft sandbox on the same overlay, serving the same names from a hosts
// file: dnsperf in the client reaches Weft's server on the gateway (one veth hop into the network's namespace)
// and dnsmasq on 10.236.0.250 (that hop and one more veth), so dnsmasq pays one extra bridge crossing.
// Per side and round: capacity (UDP, dnsperf -c 4 -q 200 for SECONDS, default 10) and latency at a fixed
// 2,000 queries/s (dnsperf -v, every query's latency, p50 and p99), then TCP capacity. Two rounds, alternating
// sides, medians reported. The lab's agent runs with --dns-client-rate 0: the default per-client limit
// (5,000/s) would otherwise cap one dnsperf client, and capacity is what is measured here.

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
const int Sandboxes = 20;
const int Rounds = 2;
const int LatencyRate = 2000;
const int LatencySeconds = 5;
const string Network = "bench-dns";
const string Subnet = "10.236.0.0/24";
const string PeerAddress = "10.236.0.250";

using var interruption = new Interruption();
var ct = interruption.Token;

foreach (var tool in new[] { "/usr/bin/dnsperf", "/usr/sbin/dnsmasq" })
{
    if (!File.Exists(tool))
    {
        Console.Error.WriteLine($"dns: {tool} is missing (apt-get install dnsperf dnsmasq-base)");
        return 2;
    }
}

Console.WriteLine($"dns: local names, dnsperf from a sandbox; Weft's server vs dnsmasq serving the same names from a hosts file");
Console.WriteLine($"  {Sandboxes} sandboxes, {Sandboxes * 3} names (sN, sN.{Network}, alias aN); {Rounds} rounds per side, medians");
Console.WriteLine($"  note: one {Environment.ProcessorCount}-core machine; dnsperf shares it with the server it measures");

var work = Directory.CreateTempSubdirectory("wtt-bench-dns-");
try
{
    await using var lab = await LabFixture.UpAsync(hosts: 1, agentArguments: ["--dns-client-rate", "0"]);
    using var client = lab.Client(1);
    var network = await client.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec(Subnet)] }, ct);
    var weftServer = network.Dns ?? throw new InvalidOperationException($"network {Network} has no DNS address");

    var hosts = new StringBuilder();
    var queries = new StringBuilder();
    for (var i = 0; i < Sandboxes; i++)
    {
        var sandbox = await client.CreateSandboxAsync(new CreateSandboxRequest
        {
            Name = $"s{i}",
            Networks = [new SandboxNetworkSpec(Network, Aliases: [$"a{i}"])],
            Command = ["sleep", "infinity"],
        }, ct);
        var ip = sandbox.Endpoints[0].Address;
        hosts.Append(CultureInfo.InvariantCulture, $"{ip} s{i} s{i}.{Network} a{i}\n");
        queries.Append(CultureInfo.InvariantCulture, $"s{i} A\ns{i}.{Network} A\na{i} A\n");
    }
    var hostsFile = Path.Combine(work.FullName, "hosts");
    var queryFile = Path.Combine(work.FullName, "queries");
    var emptyConf = Path.Combine(work.FullName, "dnsmasq.conf");
    await File.WriteAllTextAsync(hostsFile, hosts.ToString(), ct);
    await File.WriteAllTextAsync(queryFile, queries.ToString(), ct);
    await File.WriteAllTextAsync(emptyConf, "", ct);

    await client.CreateSandboxAsync(new CreateSandboxRequest
    {
        Name = "dnsmasq",
        Networks = [new SandboxNetworkSpec(Network, Ip: PeerAddress)],
        Command =
        [
            "/usr/sbin/dnsmasq", "--keep-in-foreground", $"--conf-file={emptyConf}", "--no-resolv", "--no-hosts", $"--addn-hosts={hostsFile}",
            $"--listen-address={PeerAddress}", "--bind-interfaces", "--user=root", "--pid-file=", "--local-ttl=0",
        ],
    }, ct);
    var asker = await client.CreateSandboxAsync(new CreateSandboxRequest
    {
        Name = "client",
        Networks = [new SandboxNetworkSpec(Network)],
        Command = ["sleep", "infinity"],
    }, ct);
    var clientNs = asker.NetworkNamespace;

    // Both must give the same answers before their speed means anything.
    for (var i = 0; i < Sandboxes; i += 7)
    {
        foreach (var name in new[] { $"s{i}", $"s{i}.{Network}", $"a{i}" })
        {
            var fromWeft = await DigAsync(clientNs, weftServer, name, ct);
            var fromPeer = await EventuallyAsync(() => DigAsync(clientNs, PeerAddress, name, ct), ct);
            if (fromWeft.Length == 0 || fromWeft != fromPeer)
            {
                throw new InvalidOperationException($"{name}: Weft answers '{fromWeft}', dnsmasq '{fromPeer}'");
            }
        }
    }

    var sides = new[] { ("weft", weftServer), ("dnsmasq", PeerAddress) };
    var results = sides.ToDictionary(s => s.Item1, _ => new SideResults());
    for (var round = 0; round < Rounds; round++)
    {
        foreach (var (side, server) in round % 2 == 0 ? sides : sides.Reverse())
        {
            var r = results[side];
            r.UdpQps.Add(await CapacityAsync(clientNs, server, queryFile, "udp", seconds, ct));
            var latencies = await LatenciesAsync(clientNs, server, queryFile, ct);
            r.P50.Add(Stats.Median(latencies));
            r.P99.Add(Stats.Percentile(latencies, 99));
            r.TcpQps.Add(await CapacityAsync(clientNs, server, queryFile, "tcp", Math.Max(3, seconds / 2), ct));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1} {side,-8} udp {r.UdpQps[^1],8:0} q/s   p50 {r.P50[^1],6:0} µs  p99 {r.P99[^1],6:0} µs at {LatencyRate}/s   tcp {r.TcpQps[^1],8:0} q/s"));
        }
    }

    var weft = results["weft"];
    var peer = results["dnsmasq"];
    foreach (var (side, r) in new[] { ("weft", weft), ("dnsmasq", peer) })
    {
        Console.WriteLine(side == "weft" ? $"weft (server at {weftServer}, the network's gateway)" : $"dnsmasq (sandbox at {PeerAddress}, hosts file)");
        BenchResult.Figure("UDP queries per second (capacity)", Stats.Median(r.UdpQps), "q/s");
        BenchResult.Figure($"UDP latency p50 at {LatencyRate} q/s", Stats.Median(r.P50), "µs");
        BenchResult.Figure($"UDP latency p99 at {LatencyRate} q/s", Stats.Median(r.P99), "µs");
        BenchResult.Figure("TCP queries per second (capacity)", Stats.Median(r.TcpQps), "q/s");
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  p99 ratio (dnsmasq/weft, >1 = Weft faster): {Stats.Median(peer.P99) / Stats.Median(weft.P99):0.###}   TCP ratio (weft/dnsmasq): {Stats.Median(weft.TcpQps) / Stats.Median(peer.TcpQps):0.###}"));
    BenchResult.Print("dns", "udp_queries_per_second", Stats.Median(weft.UdpQps), Stats.Median(peer.UdpQps), higherIsBetter: true);
    return 0;
}
finally
{
    work.Delete(recursive: true);
}

// dig's short answer, asked from the client sandbox.
static async Task<string> DigAsync(string ns, string server, string name, CancellationToken ct)
{
    var (_, output) = await LabDemo.RunInAsync(ns, ["dig", "+short", "+tries=1", "+timeout=2", $"@{server}", name], ct);
    return output.Trim();
}

// dnsmasq starts in the background as a sandbox; give it a moment to bind.
static async Task<string> EventuallyAsync(Func<Task<string>> ask, CancellationToken ct)
{
    var answer = "";
    for (var i = 0; i < 50 && answer.Length == 0; i++)
    {
        answer = await ask();
        if (answer.Length == 0)
        {
            await Task.Delay(100, ct);
        }
    }
    return answer;
}

// Queries per second that dnsperf sustains with 4 clients and 200 queries in flight; every query must be answered NOERROR.
static async Task<double> CapacityAsync(string ns, string server, string queryFile, string mode, int seconds, CancellationToken ct)
{
    var output = await DnsperfAsync(ns, ["-s", server, "-m", mode, "-d", queryFile, "-l", seconds.ToString(CultureInfo.InvariantCulture), "-c", "4", "-q", "200"], ct);
    var lost = Field(output, "Queries lost:");
    if (!output.Contains("NOERROR", StringComparison.Ordinal) || output.Contains("NXDOMAIN", StringComparison.Ordinal) || output.Contains("SERVFAIL", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"dnsperf against {server} ({mode}) saw other answers than NOERROR:\n{output}");
    }
    Console.WriteLine($"    dnsperf {mode} @{server}: {Field(output, "Queries per second:")} q/s, lost {lost}");
    return double.Parse(Field(output, "Queries per second:").Split(' ')[0], CultureInfo.InvariantCulture);
}

// Every query's latency in microseconds, at a fixed rate well below both servers' capacity.
static async Task<List<double>> LatenciesAsync(string ns, string server, string queryFile, CancellationToken ct)
{
    var output = await DnsperfAsync(ns, ["-s", server, "-d", queryFile, "-l", LatencySeconds.ToString(CultureInfo.InvariantCulture),
        "-Q", LatencyRate.ToString(CultureInfo.InvariantCulture), "-v"], ct);
    var latencies = new List<double>();
    foreach (var line in output.Split('\n'))
    {
        // "> NOERROR s0 A 0.000123"
        if (line.StartsWith("> ", StringComparison.Ordinal))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[1] != "NOERROR")
            {
                throw new InvalidOperationException($"{server}: {line}");
            }
            latencies.Add(double.Parse(parts[^1], CultureInfo.InvariantCulture) * 1e6);
        }
    }
    if (latencies.Count < LatencyRate * LatencySeconds / 2)
    {
        throw new InvalidOperationException($"dnsperf -v against {server} reported {latencies.Count} answers:\n{output[..Math.Min(output.Length, 2000)]}");
    }
    return latencies;
}

static async Task<string> DnsperfAsync(string ns, IReadOnlyList<string> arguments, CancellationToken ct)
{
    var (code, output) = await LabDemo.RunInAsync(ns, ["/usr/bin/dnsperf", .. arguments], ct);
    if (code != 0)
    {
        throw new InvalidOperationException($"dnsperf {string.Join(' ', arguments)} exited {code}:\n{output}");
    }
    return output;
}

static string Field(string output, string label)
{
    var at = output.IndexOf(label, StringComparison.Ordinal);
    if (at < 0)
    {
        throw new InvalidOperationException($"dnsperf printed no '{label}':\n{output}");
    }
    var end = output.IndexOf('\n', at);
    return output[(at + label.Length)..(end < 0 ? output.Length : end)].Trim();
}

internal sealed class SideResults
{
    public List<double> UdpQps { get; } = [];
    public List<double> P50 { get; } = [];
    public List<double> P99 { get; } = [];
    public List<double> TcpQps { get; } = [];
}
