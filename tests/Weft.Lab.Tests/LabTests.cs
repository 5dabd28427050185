using Weft.Api;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Lab.Tests;

/// <summary>`weft lab` as a user sees it: hosts that reach each other, agents that answer, and nothing left after down.</summary>
[RequiresRoot]
public sealed class LabTests
{
    private static void AssertNothingLeft(LabState lab)
    {
        var hostNames = lab.Hosts.Select(h => h.Name).ToList();
        var left = NetworkNamespace.List().Where(n => n.StartsWith(lab.Name, StringComparison.Ordinal)
            || hostNames.Any(h => n == $"weft-{h}" || n.StartsWith($"weft-{h}_", StringComparison.Ordinal) || n.StartsWith($"weftsb-{h}_", StringComparison.Ordinal))).ToList();
        Assert.Empty(left);
        Assert.False(Directory.Exists(lab.Directory), $"{lab.Directory} still exists");
        foreach (var pid in lab.Hosts.Select(h => h.AgentPid).OfType<int>().Append(lab.StorePid ?? -1))
        {
            Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(lab.Directory, StringComparison.Ordinal), $"process {pid} of the lab still runs");
        }
    }

    /// <summary>Runs a test body on a fresh lab, takes it down, and checks that nothing of it is left, also after a failure.</summary>
    private static async Task WithLabAsync(Func<LabFixture, Task> body, int hosts = 3, LabStore store = LabStore.Embedded, bool routed = false)
    {
        var lab = await LabFixture.UpAsync(hosts, store, routed);
        try
        {
            await body(lab);
        }
        finally
        {
            await lab.DisposeAsync();
            AssertNothingLeft(lab.State);
        }
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(3, true)]
    [InlineData(6, false)]
    [InlineData(6, true)]
    public async Task Up_builds_hosts_that_reach_each_other_and_down_removes_everything(int hosts, bool routed)
    {
        var lab = await LabFixture.UpAsync(hosts, routed: routed);
        LabState state = lab.State;
        try
        {
            Assert.Equal(hosts, state.Hosts.Count);
            var first = state.Hosts[0];
            var last = state.Hosts[^1];
            if (routed)
            {
                Assert.NotEqual(first.Address.Split('.')[2], last.Address.Split('.')[2]);
            }
            Assert.True(await LabFixture.PingAsync(Path.Combine("/run/netns", first.Namespace), last.Address), $"{first.Name} → {last.Name} on the underlay");

            var report = await LabStatus.CollectAsync(state, CancellationToken.None);
            Assert.All(report.Hosts, h => Assert.True(h.Agent is { StoreReachable: true }, $"{h.Host.Name}: {h.Error}"));

            // The overlay is one L2 segment even when the underlay is two L3 subnets.
            using var a = lab.Client(1);
            using var b = lab.Client(hosts);
            await a.CreateNetworkAsync(new CreateNetworkRequest { Name = "span", Subnets = [new SubnetSpec("10.0.80.0/24")] });
            var s1 = await a.CreateSandboxAsync(new CreateSandboxRequest { Name = "s1", Networks = [new SandboxNetworkSpec("span")], Command = ["sleep", "infinity"] });
            var s2 = await b.CreateSandboxAsync(new CreateSandboxRequest { Name = "s2", Networks = [new SandboxNetworkSpec("span")], Command = ["sleep", "infinity"] });
            Assert.True(await LabFixture.PingAsync(s1.NetworkNamespace, s2.Endpoints[0].Address!), "overlay across the lab");
        }
        finally
        {
            await lab.DisposeAsync();
        }
        AssertNothingLeft(state);
        Assert.Equal(0, Lab.Down(LabOptions.DefaultBaseDirectory, state.Name, _ => { })); // idempotent
    }

    [Fact]
    public Task Status_shows_a_store_outage_while_the_data_plane_keeps_forwarding() => WithLabAsync(async lab =>
    {
        using var h1 = lab.Client(1);
        using var h2 = lab.Client(2);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "keep", Subnets = [new SubnetSpec("10.0.90.0/24")] });
        var s1 = await h1.CreateSandboxAsync(new CreateSandboxRequest { Name = "k1", Networks = [new SandboxNetworkSpec("keep")], Command = ["sleep", "infinity"] });
        var s2 = await h2.CreateSandboxAsync(new CreateSandboxRequest { Name = "k2", Networks = [new SandboxNetworkSpec("keep")], Command = ["sleep", "infinity"] });
        Assert.True(await LabFixture.PingAsync(s1.NetworkNamespace, s2.Endpoints[0].Address!));

        System.Diagnostics.Process.GetProcessById(lab.State.StorePid!.Value).Kill();
        await LabFixture.EventuallyAsync(async () =>
        {
            var r = await LabStatus.CollectAsync(lab.State, CancellationToken.None);
            return !r.StoreRunning && r.Hosts.All(h => h.Agent is { StoreReachable: false });
        }, "every agent reports the store unreachable");

        Assert.True(await LabFixture.PingAsync(s1.NetworkNamespace, s2.Endpoints[0].Address!), "traffic keeps flowing without the store");
        var error = await Assert.ThrowsAsync<WeftApiException>(() => h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "new", Subnets = [new SubnetSpec("10.0.91.0/24")] }));
        Assert.Equal("store-unavailable", error.Code);

        // The agents reconnect by themselves once the store is back.
        lab.StartStore();
        await LabFixture.EventuallyAsync(async () =>
        {
            var r = await LabStatus.CollectAsync(lab.State, CancellationToken.None);
            return r.Hosts.All(h => h.Agent is { StoreReachable: true });
        }, "every agent reaches the store again");
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "after", Subnets = [new SubnetSpec("10.0.92.0/24")] });
        await LabFixture.EventuallyAsync(async () => (await h2.ListNetworksAsync()).Any(n => n.Name == "after"), "host2 sees the network made after the outage");
    }, hosts: 2, store: LabStore.Etcd);

    [Fact]
    public async Task Down_cleans_up_after_the_agents_were_killed()
    {
        var lab = await LabFixture.UpAsync(2);
        int hostSandboxPid;
        using (var h1 = lab.Client(1))
        {
            await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "n", Subnets = [new SubnetSpec("10.0.95.0/24")] });
            await h1.CreateSandboxAsync(new CreateSandboxRequest { Name = "orphan", Networks = [new SandboxNetworkSpec("n")], Command = ["sleep", "infinity"] });
            await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "h", Driver = "host" });
            hostSandboxPid = (await h1.CreateSandboxAsync(new CreateSandboxRequest { Name = "on-host", Networks = [new SandboxNetworkSpec("h")], Command = ["sleep", "infinity"] })).Pid!.Value;
        }
        var pin = $"weft-{lab.Host(1).Name}";
        Assert.Contains(pin, NetworkNamespace.List());
        // A pin of the same form for a host this lab might have had, but of another namespace: not the lab's to touch.
        using var namespaces = new TestNamespaces();
        var foreign = namespaces.Create("foreign");
        var foreignPin = $"weft-{lab.State.Name}h9";
        namespaces.DeleteOnDispose(foreignPin);
        NetworkNamespace.Attach(foreignPin, foreign.Path).Dispose();
        foreach (var pid in lab.State.Hosts.Select(h => h.AgentPid!.Value))
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
        var state = lab.State;
        Lab.Down(LabOptions.DefaultBaseDirectory, state.Name, _ => { });
        AssertNothingLeft(state);
        Assert.DoesNotContain(pin, NetworkNamespace.List());
        Assert.False(File.Exists($"/proc/{hostSandboxPid}/cmdline") && File.ReadAllText($"/proc/{hostSandboxPid}/cmdline").StartsWith("sleep", StringComparison.Ordinal),
            "the host-network sandbox's process outlived the lab");
        using var still = NetworkNamespace.Open(foreignPin);
        Assert.Equal(foreign.Identity, still.Identity);
    }

    [Fact]
    public Task A_second_up_of_a_running_lab_gets_a_clear_error_and_changes_nothing() => WithLabAsync(async lab =>
    {
        var again = new LabOptions { Name = lab.State.Name, Hosts = 1, WeftCommand = WeftBinary.Command };
        var e = await Assert.ThrowsAsync<LabException>(() => Lab.UpAsync(again, _ => { }, CancellationToken.None));
        Assert.Contains("already running", e.Message, StringComparison.Ordinal);
        using var h1 = lab.Client(1);
        Assert.True((await h1.StatusAsync()).StoreReachable, "the running lab is untouched");
    }, hosts: 1);

    [Fact]
    public async Task Bad_lab_options_are_refused_before_anything_is_built()
    {
        var name = LabFixture.NewName();
        var outside = new LabOptions { Name = name, Underlay = Core.Addressing.IpNetwork.Parse("10.1.2.0/24"), WeftCommand = WeftBinary.Command };
        var e = await Assert.ThrowsAsync<LabException>(() => Lab.UpAsync(outside, _ => { }, CancellationToken.None));
        Assert.Contains("198.18.0.0/15", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(NetworkNamespace.List(), n => n.StartsWith(name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_demo_runs_the_seed_experiment_and_tears_down()
    {
        var lines = new List<string>();
        var options = new LabOptions { Name = LabFixture.NewName(), WeftCommand = WeftBinary.Command };
        var code = await new LabDemo(options, l => { lock (lines) { lines.Add(l); } }).RunAsync(keep: false, CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Contains(lines, l => l.Contains("0% packet loss", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("overlay / underlay =", StringComparison.Ordinal));
        Assert.DoesNotContain(NetworkNamespace.List(), n => n.StartsWith(options.Name, StringComparison.Ordinal));
    }
}
