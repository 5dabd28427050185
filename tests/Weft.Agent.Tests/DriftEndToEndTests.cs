using System.Diagnostics;
using System.Net.NetworkInformation;
using Weft.Api;
using Weft.Core.Naming;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>One lab of two hosts for every drift test; each test has a network of its own.</summary>
public sealed class DriftLab : IAsyncLifetime
{
    public LabFixture Lab { get; private set; } = null!;

    public async Task InitializeAsync() => Lab = await LabFixture.UpAsync(2);

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}

/// <summary>
/// What a user (or a process in a sandbox) changes by hand in the kernel objects Weft owns is put back within 2 s, as
/// the user meets it: the sandbox pings again, with the same address. The drift is made with `ip` and `bridge`, as a
/// user would make it.
/// </summary>
[RequiresRoot]
public sealed class DriftEndToEndTests(DriftLab fixture) : IClassFixture<DriftLab>
{
    /// <summary>The promise: drift is repaired within this.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private LabFixture Lab => fixture.Lab;

    private static CreateSandboxRequest Sleeper(string name, string network) =>
        new() { Name = name, Networks = [new SandboxNetworkSpec(network)], Command = ["sleep", "infinity"] };

    private static CreateNetworkRequest Overlay(string name, string subnet) => new() { Name = name, Subnets = [new SubnetSpec(subnet)] };

    [Fact]
    public async Task A_sandboxs_address_route_mtu_and_interface_are_put_back_also_after_an_agent_restart()
    {
        using var h1 = Lab.Client(1);
        var (_, a, b) = await PairAsync("drift-sb", "10.0.80.0/24", "sb");
        var ip = a.Endpoints[0].Address!;
        var peer = b.Endpoints[0].Address!;

        await Repaired(a.NetworkNamespace, ["ip", "addr", "del", $"{ip}/24", "dev", "eth0"], s => s.Addresses.Contains($"{ip}/24"), "the address");
        await Repaired(a.NetworkNamespace, ["ip", "addr", "add", "10.0.80.200/24", "dev", "eth0"], s => !s.Addresses.Contains("10.0.80.200/24"), "a stray address of the network");
        await Repaired(a.NetworkNamespace, ["ip", "route", "del", "default"], s => s.DefaultVia == "10.0.80.1 dev eth0", "the default route");
        await Repaired(a.NetworkNamespace, ["ip", "route", "replace", "default", "via", "10.0.80.99", "dev", "eth0"], s => s.DefaultVia == "10.0.80.1 dev eth0", "a changed default route");
        await Repaired(a.NetworkNamespace, ["ip", "link", "set", "eth0", "mtu", "1300"], s => s.Mtu == 1450, "the MTU");
        await Repaired(a.NetworkNamespace, ["ip", "link", "set", "eth0", "down"], s => s.Up, "the interface's state");
        await Repaired(a.NetworkNamespace, ["sh", "-c", "ip link set eth0 down && ip link set eth0 name renamed"], s => s.Up && s.Addresses.Contains($"{ip}/24"), "a renamed interface");
        await Repaired(a.NetworkNamespace, ["ip", "link", "del", "eth0"], s => s.Up && s.Addresses.Contains($"{ip}/24") && s.DefaultVia == "10.0.80.1 dev eth0", "a deleted interface");
        Assert.True(await LabFixture.PingAsync(a.NetworkNamespace, peer), "sb-a → sb-b after the drift was repaired");
        Assert.True(await LabFixture.PingAsync(b.NetworkNamespace, ip), "sb-b → sb-a after the drift was repaired");

        // Drift while the agent is away is put back by the restarted agent.
        Lab.KillAgent(1);
        await Run(a.NetworkNamespace, "sh", "-c", $"ip route del default && ip addr del {ip}/24 dev eth0 && ip link set eth0 mtu 1280");
        Assert.DoesNotContain($"{ip}/24", Read(a.NetworkNamespace).Addresses);
        await Lab.StartAgentAsync(1);
        await WithinDeadline(a.NetworkNamespace, s => s.Addresses.Contains($"{ip}/24") && s.DefaultVia == "10.0.80.1 dev eth0" && s.Mtu == 1450, "after the agent's restart");
        Assert.True(await LabFixture.PingAsync(a.NetworkNamespace, peer), "sb-a → sb-b after the restart");
        Assert.Equal("running", (await h1.InspectSandboxAsync("sb-a")).State);
    }

    [Fact]
    public async Task Bridge_fdb_entries_added_by_hand_are_removed_and_the_kernels_own_stay()
    {
        using var h1 = Lab.Client(1);
        var (net, a, b) = await PairAsync("drift-fdb", "10.0.81.0/24", "fdb");
        var nsPath = Path.Combine(NetworkNamespace.DefaultRunDirectory, KernelNames.NetworkNamespaceName(Lab.Host(1).Name, "drift-fdb"));
        var port = KernelNames.VethHostName((await h1.InspectSandboxAsync("fdb-a")).Endpoints[0].Id);
        var vxlan = KernelNames.VxlanDeviceName(net.Vni!.Value);
        var kernels = BridgeEntries(nsPath).Where(e => e.State.HasFlag(NeighborState.Permanent)).Select(Describe).ToList();
        Assert.NotEmpty(kernels);

        // fdb-b's MAC on fdb-a's port would send fdb-a's frames for fdb-b back to fdb-a; the others never age out either.
        var stolen = b.Endpoints[0].Mac;
        var sw = Stopwatch.StartNew();
        await Run(nsPath, "sh", "-c",
            $"bridge fdb replace {stolen} dev {port} master static && bridge fdb add 02:00:00:00:00:72 dev {port} master permanent " +
            $"&& bridge fdb add 02:00:00:00:00:73 dev {vxlan} master static && bridge fdb add 02:00:00:00:00:74 dev br0 self");
        await LabFixture.EventuallyAsync(() => !BridgeEntries(nsPath).Any(e => IsHandMade(e, stolen)), "the hand-made bridge FDB entries are removed", 10);
        Assert.True(sw.Elapsed <= Deadline, $"hand-made FDB entries removed after {sw.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(kernels, BridgeEntries(nsPath).Where(e => e.State.HasFlag(NeighborState.Permanent)).Select(Describe).ToList());
        Assert.True(await LabFixture.PingAsync(a.NetworkNamespace, b.Endpoints[0].Address!), "fdb-a → fdb-b after the entries were removed");
    }

    [Fact]
    public async Task A_deleted_network_namespace_is_rebuilt_with_its_sandboxes_plugged_in_again()
    {
        using var h1 = Lab.Client(1);
        using var h2 = Lab.Client(2);
        var (_, a, b) = await PairAsync("drift-ns", "10.0.82.0/24", "ns");
        var ip = a.Endpoints[0].Address!;

        // Until it is rebuilt the old namespace still carries traffic (the agent holds it): rebuilt means the name leads to
        // a namespace again, holding the VXLAN device and ns-a's veth on its bridge, as `ip -n NAME link` shows them.
        var name = KernelNames.NetworkNamespaceName(Lab.Host(1).Name, "drift-ns");
        var port = KernelNames.VethHostName((await h1.InspectSandboxAsync("ns-a")).Endpoints[0].Id);
        var sw = Stopwatch.StartNew();
        await Run(Lab.HostNamespacePath(1), "ip", "netns", "del", name);
        await LabFixture.EventuallyAsync(() => Plugged(name, port), "the network's namespace is rebuilt with ns-a plugged in", 10);
        Assert.True(sw.Elapsed <= Deadline, $"the network's namespace was rebuilt after {sw.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Contains($"{ip}/24", Read(a.NetworkNamespace).Addresses);
        Assert.True(await LabFixture.PingAsync(a.NetworkNamespace, b.Endpoints[0].Address!, 2), "ns-a → ns-b after the rebuild");
        Assert.True(await LabFixture.PingAsync(b.NetworkNamespace, ip, 2), "ns-b → ns-a, at the same address");

        // The agent is not wedged: a new remote endpoint is programmed, and a new local sandbox starts and reaches it.
        var c = await h2.CreateSandboxAsync(Sleeper("ns-c", "drift-ns"));
        Assert.True(await LabFixture.PingAsync(a.NetworkNamespace, c.Endpoints[0].Address!, 3), "ns-a → ns-c, which started after the rebuild");
        var (code, output) = await Lab.WeftAsync(1, "run", "-d", "--name", "ns-d", "--net", "drift-ns", "--", "sleep", "infinity");
        Assert.True(code == 0, $"weft run after the rebuild: {output}");
        var d = await h1.InspectSandboxAsync("ns-d");
        Assert.True(await LabFixture.PingAsync(d.NetworkNamespace, c.Endpoints[0].Address!, 3), "ns-d → ns-c");
    }

    /// <summary>A network of its own for a test, with PREFIX-a on host1 and PREFIX-b on host2, which reach each other.</summary>
    private async Task<(NetworkDetail Network, SandboxDetail A, SandboxDetail B)> PairAsync(string network, string subnet, string prefix)
    {
        using var h1 = Lab.Client(1);
        using var h2 = Lab.Client(2);
        var net = await h1.CreateNetworkAsync(Overlay(network, subnet));
        var a = await h1.CreateSandboxAsync(Sleeper($"{prefix}-a", network));
        var b = await h2.CreateSandboxAsync(Sleeper($"{prefix}-b", network));
        Assert.True(await LabFixture.PingAsync(a.NetworkNamespace, b.Endpoints[0].Address!), $"{prefix}-a → {prefix}-b before any drift");
        return (net, a, b);
    }

    /// <summary>Makes drift with <paramref name="command"/> in the sandbox, then waits for <paramref name="repaired"/>, which must come within the deadline.</summary>
    private static async Task Repaired(string sandbox, string[] command, Func<SandboxState, bool> repaired, string what)
    {
        await Run(sandbox, command);
        await WithinDeadline(sandbox, repaired, what);
    }

    private static async Task WithinDeadline(string sandbox, Func<SandboxState, bool> repaired, string what)
    {
        var sw = Stopwatch.StartNew();
        await LabFixture.EventuallyAsync(() => repaired(Read(sandbox)), $"{what} is put back", 10);
        Assert.True(sw.Elapsed <= Deadline, $"{what} was put back after {sw.Elapsed.TotalMilliseconds:F0} ms; the promise is {Deadline.TotalMilliseconds:F0} ms: {Read(sandbox)}");
    }

    private static async Task Run(string namespacePath, params string[] command)
    {
        var (code, output) = await LabDemo.RunInAsync(namespacePath, command, CancellationToken.None);
        Assert.True(code == 0, $"{string.Join(' ', command)}: exit {code}: {output}");
    }

    /// <summary>Whether the network namespace <paramref name="name"/> exists with a VXLAN device and <paramref name="port"/> on its bridge, all up.</summary>
    private static bool Plugged(string name, string port)
    {
        using var ns = NetworkNamespace.TryOpen(name);
        if (ns is null)
        {
            return false;
        }
        using var nl = ns.OpenNetlink();
        var links = nl.ListLinks();
        var bridge = links.FirstOrDefault(l => l.Name == KernelNames.OverlayBridgeName);
        return bridge is { Up: true }
            && links.Any(l => l.Name.StartsWith("vx-", StringComparison.Ordinal) && l.MasterIndex == bridge.Index && l.Up)
            && links.Any(l => l.Name == port && l.MasterIndex == bridge.Index && l.Up);
    }

    /// <summary>eth0 of a sandbox as a user reads it: up, MTU, addresses, and the default route.</summary>
    private sealed record SandboxState(bool Up, int? Mtu, IReadOnlyList<string> Addresses, string? DefaultVia)
    {
        public override string ToString() => $"up {Up}, mtu {Mtu}, addresses {string.Join(' ', Addresses)}, default via {DefaultVia}";
    }

    private static SandboxState Read(string sandbox)
    {
        using var ns = NetworkNamespace.OpenPath(sandbox);
        using var nl = ns.OpenNetlink();
        if (nl.FindLink("eth0") is not { } eth0)
        {
            return new SandboxState(false, null, [], null);
        }
        var addresses = nl.ListAddresses(eth0.Index, System.Net.Sockets.AddressFamily.InterNetwork).Select(a => $"{a.Address}/{a.PrefixLength}").ToList();
        var route = nl.ListRoutes(System.Net.Sockets.AddressFamily.InterNetwork).FirstOrDefault(r => r.Destination.PrefixLength == 0);
        var via = route is null ? null : $"{route.Gateway} dev {(route.OutputLinkIndex is { } i ? nl.GetLink(i).Name : "?")}";
        return new SandboxState(eth0.Up, eth0.Mtu, addresses, via);
    }

    /// <summary>The entries of the bridge's own forwarding database in a network's namespace (NDA_MASTER: br0).</summary>
    private static List<FdbEntry> BridgeEntries(string networkNamespace)
    {
        using var ns = NetworkNamespace.OpenPath(networkNamespace);
        using var nl = ns.OpenNetlink();
        var bridge = nl.GetLink(KernelNames.OverlayBridgeName);
        return [.. nl.ListFdb().Where(e => e.MasterIndex == bridge.Index)];
    }

    private static bool IsHandMade(FdbEntry e, string stolenMac) =>
        e.MacAddress.Equals(PhysicalAddress.Parse(stolenMac.Replace(':', '-').ToUpperInvariant())) && e.State.HasFlag(NeighborState.NoArp)
        || e.MacAddress.ToString() is "020000000072" or "020000000073" or "020000000074";

    private static string Describe(FdbEntry e) => $"{e.MacAddress} #{e.LinkIndex} {e.State}";
}
