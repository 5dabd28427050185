using System.Net.NetworkInformation;
using Weft.Api;
using Weft.Lab;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// The seed experiment as a user runs it, on a lab of three simulated hosts with one real agent each: the
/// same tests run on the embedded store and on a real etcd.
/// </summary>
public abstract class OverlayEndToEndTests(LabStore store) : IAsyncLifetime
{
    private LabFixture _lab = null!;

    public async Task InitializeAsync() => _lab = await LabFixture.UpAsync(3, store, hostTtl: TimeSpan.FromSeconds(3));

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static CreateSandboxRequest Sleeper(string name, string network, string? ip = null) =>
        new() { Name = name, Networks = [new SandboxNetworkSpec(network, ip)], Command = ["sleep", "infinity"] };

    private static CreateNetworkRequest Overlay(string name, string subnet) => new() { Name = name, Subnets = [new SubnetSpec(subnet)] };

    [Fact]
    public async Task Seed_flows_cross_hosts_both_ways_with_a_static_ip_and_a_second_network()
    {
        using var h1 = _lab.Client(1);
        using var h2 = _lab.Client(2);
        using var h3 = _lab.Client(3);
        var net = await h3.CreateNetworkAsync(Overlay("test-net", "10.0.10.0/24"));
        Assert.Equal(256, net.Vni);
        Assert.Equal(1450, net.Mtu);
        Assert.Equal("10.0.10.1", net.Subnets[0].Gateway);
        foreach (var c in new[] { h1, h2 })
        {
            var seen = await c.ListNetworksAsync();
            Assert.Contains(seen, n => n.Name == "test-net" && n.Driver == "overlay" && n.Scope == "global");
        }

        var shell = await h2.CreateSandboxAsync(Sleeper("shell", "test-net"));
        var shell2 = await h3.CreateSandboxAsync(Sleeper("shell2", "test-net"));
        var fixedIp = await h1.CreateSandboxAsync(Sleeper("fixed", "test-net", "10.0.10.50"));
        Assert.Equal("10.0.10.50", fixedIp.Endpoints[0].Address);
        Assert.Equal("running", shell.State);

        Assert.True(await LabFixture.PingAsync(shell2.NetworkNamespace, shell.Endpoints[0].Address!, 3), "shell2 (host3) → shell (host2)");
        Assert.True(await LabFixture.PingAsync(shell.NetworkNamespace, shell2.Endpoints[0].Address!), "shell (host2) → shell2 (host3)");
        Assert.True(await LabFixture.PingAsync(shell.NetworkNamespace, "10.0.10.50"), "shell (host2) → fixed (host1)");

        // inspect shows every endpoint on every host, with host names.
        var inspected = await h1.InspectNetworkAsync("test-net");
        Assert.Equal(
            [(_lab.Host(1).Name, "fixed"), (_lab.Host(2).Name, "shell"), (_lab.Host(3).Name, "shell2")],
            inspected.Endpoints.Select(e => (e.Host, e.Sandbox)).OrderBy(x => x.Host, StringComparer.Ordinal).ToList());

        // A second network joins the running sandbox as eth1, and carries traffic across hosts too.
        await h3.CreateNetworkAsync(Overlay("other-net", "10.0.20.0/24"));
        var connected = await h2.ConnectAsync("other-net", new ConnectRequest("shell"));
        var eth1 = Assert.Single(connected.Endpoints, e => e.Network == "other-net");
        Assert.Equal("eth1", eth1.InterfaceName);
        var peer = await h1.CreateSandboxAsync(Sleeper("peer", "other-net"));
        Assert.True(await LabFixture.PingAsync(peer.NetworkNamespace, eth1.Address!), "peer (host1) → shell eth1 (host2)");
        using (var ns = NetworkNamespace.OpenPath(shell.NetworkNamespace))
        using (var nl = ns.OpenNetlink())
        {
            Assert.Equal(1450, nl.GetLink("eth1").Mtu);
        }

        await h2.DisconnectAsync("other-net", new ConnectRequest("shell"));
        using (var ns = NetworkNamespace.OpenPath(shell.NetworkNamespace))
        using (var nl = ns.OpenNetlink())
        {
            Assert.Null(nl.FindLink("eth1"));
        }
    }

    [Fact]
    public async Task Two_overlays_are_isolated()
    {
        using var h1 = _lab.Client(1);
        using var h2 = _lab.Client(2);
        await h1.CreateNetworkAsync(Overlay("net-a", "10.0.30.0/24"));
        await h1.CreateNetworkAsync(Overlay("net-b", "10.0.31.0/24"));
        var a1 = await h1.CreateSandboxAsync(Sleeper("a1", "net-a"));
        var a2 = await h2.CreateSandboxAsync(Sleeper("a2", "net-a"));
        var b2 = await h2.CreateSandboxAsync(Sleeper("b2", "net-b"));
        Assert.True(await LabFixture.PingAsync(a1.NetworkNamespace, a2.Endpoints[0].Address!), "a1 → a2 on net-a");
        Assert.False(await LabFixture.PingAsync(a1.NetworkNamespace, b2.Endpoints[0].Address!), "a1 (net-a) must not reach b2 (net-b)");
        // host2 programs net-b with no entry for net-a's endpoints.
        var (fdb, _) = Entries(_lab.Host(2).Name, "net-b", (await h2.InspectNetworkAsync("net-b")).Vni!.Value);
        Assert.Empty(fdb);
    }

    [Fact]
    public async Task Drift_is_repaired_and_a_killed_agent_converges_without_duplicates()
    {
        using var h2 = _lab.Client(2);
        using var h3 = _lab.Client(3);
        var net = await h3.CreateNetworkAsync(Overlay("drift-net", "10.0.40.0/24"));
        var vni = net.Vni!.Value;
        var s2 = await h2.CreateSandboxAsync(Sleeper("s2", "drift-net"));
        var s3 = await h3.CreateSandboxAsync(Sleeper("s3", "drift-net"));
        var host3 = _lab.Host(3).Name;
        await LabFixture.EventuallyAsync(() => Entries(host3, "drift-net", vni).Fdb.Count == 1, "host3 has the FDB entry for s2");

        // Someone deletes Weft's FDB entry by hand: it comes back.
        var original = Entries(host3, "drift-net", vni).Fdb[0];
        WithVxlan(host3, "drift-net", vni, (nl, _) => nl.DeleteFdb(original));
        await LabFixture.EventuallyAsync(() => Entries(host3, "drift-net", vni).Fdb.Count == 1, "the deleted FDB entry is restored");

        // Someone adds an entry to a Weft-owned VXLAN device: it goes away.
        WithVxlan(host3, "drift-net", vni, (nl, vx) => nl.AddFdb(new FdbEntry(vx.Index, PhysicalAddress.Parse("02-00-00-00-00-99")) { Destination = System.Net.IPAddress.Parse("198.18.0.99") }));
        await LabFixture.EventuallyAsync(() => Entries(host3, "drift-net", vni).Fdb.Count == 1, "the foreign FDB entry is removed");

        // kill -9 the agent of host3: traffic keeps flowing while it is down, and a restart changes nothing.
        _lab.KillAgent(3);
        Assert.True(await LabFixture.PingAsync(s3.NetworkNamespace, s2.Endpoints[0].Address!), "ping while host3's agent is dead");
        var before = Snapshot(host3, "drift-net", vni);
        await _lab.StartAgentAsync(3);
        await Task.Delay(1500);
        Assert.Equal(before, Snapshot(host3, "drift-net", vni));
        Assert.True(await LabFixture.PingAsync(s2.NetworkNamespace, s3.Endpoints[0].Address!), "ping after the restart");
        var status = await h3.StatusAsync();
        Assert.Equal(2, status.Incarnation);
    }

    [Fact]
    public async Task Bad_input_gets_a_specific_error_and_changes_nothing()
    {
        using var h1 = _lab.Client(1);
        await h1.CreateNetworkAsync(Overlay("good", "10.0.60.0/24"));
        await h1.CreateSandboxAsync(Sleeper("taken", "good", "10.0.60.7"));

        async Task<string> CodeOf(Func<Task> call) => (await Assert.ThrowsAsync<WeftApiException>(call)).Code;
        Assert.Equal("duplicate", await CodeOf(() => h1.CreateNetworkAsync(Overlay("good", "10.0.61.0/24"))));
        Assert.Equal("overlap", await CodeOf(() => h1.CreateNetworkAsync(Overlay("other", "10.0.60.128/25"))));
        Assert.Equal("invalid-subnet", await CodeOf(() => h1.CreateNetworkAsync(Overlay("bad-subnet", "10.0.300.0/24"))));
        Assert.Equal("invalid-name", await CodeOf(() => h1.CreateNetworkAsync(Overlay("../etc", "10.0.62.0/24"))));
        Assert.Equal("ip-out-of-range", await CodeOf(() => h1.CreateSandboxAsync(Sleeper("outside", "good", "10.0.99.5"))));
        Assert.Equal("ip-taken", await CodeOf(() => h1.CreateSandboxAsync(Sleeper("clash", "good", "10.0.60.7"))));
        Assert.Equal("not-found", await CodeOf(() => h1.CreateSandboxAsync(Sleeper("lost", "no-such-net"))));
        Assert.Equal("duplicate", await CodeOf(() => h1.CreateSandboxAsync(Sleeper("taken", "good"))));
        Assert.Equal("in-use", await CodeOf(() => h1.RemoveNetworkAsync("good")));

        var networks = await h1.ListNetworksAsync();
        Assert.Equal(["good"], networks.Select(n => n.Name));
        Assert.Equal(1, networks[0].Endpoints);
        Assert.Equal(["taken"], (await h1.ListSandboxesAsync(all: true)).Select(s => s.Name));
        var host1 = _lab.Host(1).Name;
        Assert.Equal([$"weftsb-{host1}_taken"], NetworkNamespace.List().Where(n => n.StartsWith($"weftsb-{host1}_", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Removing_sandboxes_and_the_network_leaves_nothing_behind()
    {
        using var h1 = _lab.Client(1);
        using var h2 = _lab.Client(2);
        await h1.CreateNetworkAsync(Overlay("tidy", "10.0.70.0/24"));
        await h1.CreateSandboxAsync(Sleeper("t1", "tidy"));
        await h2.CreateSandboxAsync(Sleeper("t2", "tidy"));
        await Assert.ThrowsAsync<WeftApiException>(() => h1.RemoveSandboxAsync("t1"));
        await h1.RemoveSandboxAsync("t1", force: true);
        await h2.RemoveSandboxAsync("t2", force: true);
        await h1.RemoveNetworkAsync("tidy");
        var hosts = _lab.State.Hosts.Select(h => h.Name).ToList();
        await LabFixture.EventuallyAsync(
            () => !NetworkNamespace.List().Any(n => hosts.Any(h => n.StartsWith($"weft-{h}_", StringComparison.Ordinal) || n.StartsWith($"weftsb-{h}_", StringComparison.Ordinal))),
            "no overlay or sandbox namespace of the lab's hosts remains");
        Assert.Empty(await h2.ListNetworksAsync());
        Assert.Empty(await h1.ListSandboxesAsync(all: true));
    }

    [Fact]
    public async Task A_bridge_network_joins_sandboxes_of_one_host_and_a_null_network_gives_loopback_only()
    {
        using var h1 = _lab.Client(1);
        var bridge = await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "local-br", Driver = "bridge", Subnets = [new SubnetSpec("10.0.100.0/24")] });
        Assert.Equal(("bridge", "local", (int?)null), (bridge.Driver, bridge.Scope, bridge.Vni));
        var b1 = await h1.CreateSandboxAsync(Sleeper("b1", "local-br"));
        var b2 = await h1.CreateSandboxAsync(Sleeper("b2", "local-br"));
        Assert.True(await LabFixture.PingAsync(b1.NetworkNamespace, b2.Endpoints[0].Address!), "b1 → b2 over the host's bridge");
        Assert.True(await LabFixture.PingAsync(b1.NetworkNamespace, "10.0.100.1"), "b1 → the bridge's gateway address");

        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "none", Driver = "null" });
        var lonely = await h1.CreateSandboxAsync(Sleeper("lonely", "none"));
        using (var ns = NetworkNamespace.OpenPath(lonely.NetworkNamespace))
        using (var nl = ns.OpenNetlink())
        {
            Assert.Equal(["lo"], nl.ListLinks().Select(l => l.Name));
        }

        await h1.RemoveSandboxAsync("b1", force: true);
        await h1.RemoveSandboxAsync("b2", force: true);
        await h1.RemoveNetworkAsync("local-br");
        var bridgeName = Core.Naming.KernelNames.LocalBridgeName(bridge.Id);
        await LabFixture.EventuallyAsync(() =>
        {
            using var host = NetworkNamespace.Open(_lab.Host(1).Namespace);
            using var nl = host.OpenNetlink();
            return nl.FindLink(bridgeName) is null;
        }, $"host1's bridge {bridgeName} is removed with its network");
    }

    private static void WithVxlan(string host, string network, int vni, Action<NetlinkHandle, Link> act)
    {
        using var ns = NetworkNamespace.Open($"weft-{host}_{network}");
        using var nl = ns.OpenNetlink();
        act(nl, nl.GetLink($"vx-{vni}"));
    }

    /// <summary>Weft's remote entries on a host's VXLAN device: FDB (MAC → VTEP) and neighbours.</summary>
    private static (List<FdbEntry> Fdb, List<Neighbor> Neigh) Entries(string host, string network, int vni)
    {
        List<FdbEntry> fdb = [];
        List<Neighbor> neigh = [];
        WithVxlan(host, network, vni, (nl, vx) =>
        {
            fdb = [.. nl.ListFdb(vx.Index).Where(e => e.Destination is not null)];
            neigh = [.. nl.ListNeighbors(vx.Index).Where(n => n.State == NeighborState.Permanent)];
        });
        return (fdb, neigh);
    }

    /// <summary>Everything Weft made for a network on a host, as text, to compare before and after a restart.</summary>
    private static string Snapshot(string host, string network, int vni)
    {
        var lines = new List<string>();
        using var ns = NetworkNamespace.Open($"weft-{host}_{network}");
        using var nl = ns.OpenNetlink();
        lines.AddRange(nl.ListLinks().Select(l => $"link {l.Name} {l.Kind} mtu {l.Mtu} up {l.Up}"));
        var vx = nl.GetLink($"vx-{vni}");
        lines.AddRange(nl.ListFdb(vx.Index).Where(e => e.Destination is not null).Select(e => $"fdb {e}"));
        lines.AddRange(nl.ListNeighbors(vx.Index).Where(n => n.State == NeighborState.Permanent).Select(n => $"neigh {n}"));
        lines.AddRange(nl.ListAddresses().Where(a => !a.Address.IsIPv6LinkLocal).Select(a => $"addr {a.Address}/{a.PrefixLength}"));
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);
    }
}

[RequiresRoot]
public sealed class OverlayOnEmbeddedStoreTests() : OverlayEndToEndTests(LabStore.Embedded);

[RequiresRoot]
public sealed class OverlayOnEtcdTests() : OverlayEndToEndTests(LabStore.Etcd);
