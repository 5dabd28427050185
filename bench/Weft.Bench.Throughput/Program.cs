using Weft.Api;
using Weft.Bench;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Testing;

// bench/run throughput: iperf3 between two sandboxes on different lab hosts (over Weft's VXLAN overlay)
// against iperf3 between the two hosts themselves (the bare underlay), 3 rounds each, in a 2-host lab with
// underlay MTU 1500. Then the same in a second lab whose underlay MTU is 9000: the overlay must follow to
// 8950 without being told, and the benchmark fails when a sandbox's eth0 says otherwise.
// Each lab has a "wtt…" name and is taken down at the end, also on failure, Ctrl-C or SIGTERM.

const int Rounds = 3;
const string Network = "bench-tput";

using var interruption = new Interruption();
var ct = interruption.Token;

Console.WriteLine($"throughput: iperf3 (3 s, 1 stream) sandbox→sandbox over the overlay vs host→host over the underlay, {Rounds} rounds per lab");
Console.WriteLine("  note: one 2-core machine, possibly shared with other builds and tests: figures are noisy");

var standard = await MeasureAsync(1500, ct);
var jumbo = await MeasureAsync(9000, ct);

Console.WriteLine("summary");
BenchResult.Figure("MTU 1500: overlay median", standard.Overlay, "Mbit/s");
BenchResult.Figure("MTU 1500: underlay median", standard.Underlay, "Mbit/s");
BenchResult.Figure("MTU 1500: overlay/underlay (median of rounds)", standard.Ratio, "");
BenchResult.Figure("MTU 9000: overlay median", jumbo.Overlay, "Mbit/s");
BenchResult.Figure("MTU 9000: underlay median", jumbo.Underlay, "Mbit/s");
BenchResult.Figure("MTU 9000: overlay/underlay (median of rounds)", jumbo.Ratio, "");
BenchResult.Figure("MTU 9000: sandbox eth0 MTU (want 8950)", jumbo.SandboxMtu, "bytes");
Console.WriteLine("  for comparison (issue notes, this machine): the kernel's own VXLAN reaches 0.64–0.81 of the");
Console.WriteLine("  underlay, Docker's overlay 0.81");

if (jumbo.SandboxMtu != 8950)
{
    Console.Error.WriteLine($"FAIL: on a 9000-byte underlay the sandbox eth0 MTU is {jumbo.SandboxMtu}, not 8950 (underlay − 50)");
    return 1;
}
BenchResult.Print("throughput", "overlay/underlay throughput (MTU 1500)", standard.Overlay, standard.Underlay, higherIsBetter: true);
return 0;

static async Task<Measurement> MeasureAsync(int mtu, CancellationToken ct)
{
    Console.WriteLine($"lab with underlay MTU {mtu}: 2 hosts, one overlay, a sandbox on each");
    await using var lab = await LabFixture.UpAsync(hosts: 2, mtu: mtu);
    Console.WriteLine($"  lab {lab.State.Name}: {lab.Host(1).Name} {lab.Host(1).Address}, {lab.Host(2).Name} {lab.Host(2).Address}");
    using var c1 = lab.Client(1);
    using var c2 = lab.Client(2);
    var net = await c1.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.231.0.0/24")] }, ct);
    await LabFixture.EventuallyAsync(async () => (await c2.ListNetworksAsync(ct)).Any(n => n.Name == Network), $"{lab.Host(2).Name} sees {Network}");
    var a = await c1.CreateSandboxAsync(Sandbox("tput-a"), ct);
    var b = await c2.CreateSandboxAsync(Sandbox("tput-b"), ct);
    var aIp = a.Endpoints[0].Address!;
    // Remote entries are programmed asynchronously from the store; iperf3 starts once a ping gets through.
    await LabFixture.EventuallyAsync(() => LabFixture.PingAsync(b.NetworkNamespace, aIp), $"tput-b reaches tput-a at {aIp}");

    int sandboxMtu;
    using (var ns = NetworkNamespace.OpenPath(a.NetworkNamespace))
    using (var nl = ns.OpenNetlink())
    {
        sandboxMtu = nl.GetLink("eth0").Mtu ?? 0;
    }
    BenchResult.Figure("network MTU (weft network inspect)", net.Mtu, "bytes");
    BenchResult.Figure("sandbox eth0 MTU (kernel)", sandboxMtu, "bytes");

    var underlayServer = lab.HostNamespacePath(1);
    var underlayClient = lab.HostNamespacePath(2);
    var overlay = new List<double>();
    var underlay = new List<double>();
    for (var round = 1; round <= Rounds; round++)
    {
        overlay.Add(await LabDemo.IperfAsync(a.NetworkNamespace, b.NetworkNamespace, aIp, ct));
        underlay.Add(await LabDemo.IperfAsync(underlayServer, underlayClient, lab.Host(1).Address, ct));
        BenchResult.Figure($"round {round}: overlay (tput-b → tput-a)", overlay[^1], "Mbit/s");
        BenchResult.Figure($"round {round}: underlay ({lab.Host(2).Name} → {lab.Host(1).Name})", underlay[^1], "Mbit/s");
        BenchResult.Figure($"round {round}: overlay/underlay", overlay[^1] / underlay[^1], "");
    }
    var ratio = Stats.Median(overlay.Zip(underlay, (o, u) => o / u));
    BenchResult.Figure($"MTU {mtu}: median overlay/underlay", ratio, "");
    return new Measurement(Stats.Median(overlay), Stats.Median(underlay), ratio, sandboxMtu);
}

static CreateSandboxRequest Sandbox(string name) =>
    new() { Name = name, Networks = [new SandboxNetworkSpec(Network)], Command = ["sleep", "infinity"] };

internal sealed record Measurement(double Overlay, double Underlay, double Ratio, int SandboxMtu);
