using System.Diagnostics;
using Weft.Api;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// The store failing in the ways that used to go unnoticed (issue 19): a hung store (etcd SIGSTOPped, the embedded
/// store's write lock held) must show in `weft status` within seconds, with since when; a store file deleted under
/// running agents must be reported by them; and an agent must refuse an empty or other store rather than remove its
/// host's networks and sandboxes.
/// </summary>
[RequiresRoot]
public sealed class StoreHealthEndToEndTests
{
    private static CreateSandboxRequest Sleeper(string name, string network) =>
        new() { Name = name, Networks = [new SandboxNetworkSpec(network)], Command = ["sleep", "infinity"] };

    [Theory]
    [InlineData(LabStore.Etcd)]
    [InlineData(LabStore.Embedded)]
    public async Task A_paused_store_is_reported_unreachable_within_seconds_with_since_when_and_reachable_after_resume(LabStore store)
    {
        await using var lab = await LabFixture.UpAsync(1, store);
        using var h1 = lab.Client(1);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "p", Subnets = [new SubnetSpec("10.0.110.0/24")] });
        Assert.True((await h1.StatusAsync()).StoreReachable);

        var paused = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await lab.StoreAsync(LabStoreAction.Pause);
        // A write that starts before the agent noticed waits a few seconds at most, not the store's own timeout.
        var early = Stopwatch.StartNew();
        var (earlyCode, earlyText) = await lab.WeftAsync(1, "network", "create", "--subnet", "10.0.113.0/24", "early");
        early.Stop();
        Assert.NotEqual(0, earlyCode);
        Assert.Contains("the cluster store is unavailable", earlyText, StringComparison.Ordinal);
        Assert.True(early.Elapsed < TimeSpan.FromSeconds(5), $"an early write answered after {early.Elapsed}");
        AgentStatus? status = null;
        await LabFixture.EventuallyAsync(async () => (status = await h1.StatusAsync()) is { StoreReachable: false }, "the agent reports the paused store unreachable", seconds: 5);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"reported after {clock.Elapsed}");
        Assert.NotNull(status!.StoreUnreachableSince);
        Assert.InRange(status.StoreUnreachableSince!.Value, paused.AddSeconds(-1), DateTimeOffset.UtcNow);

        var (code, text) = await lab.WeftAsync(1, "status");
        Assert.Equal(0, code);
        Assert.Contains("Store reachable:  no, since ", text, StringComparison.Ordinal);
        // A read still answers, from the last state seen, and says so.
        (code, text) = await lab.WeftAsync(1, "network", "ls");
        Assert.Equal(0, code);
        Assert.Contains("p", text, StringComparison.Ordinal);
        Assert.Contains("STALE", text, StringComparison.Ordinal);

        // Writes while the store is known unreachable fail at once, saying since when and why, and change nothing.
        foreach (var write in new[] { new[] { "run", "-d", "--name", "w1", "--network", "p", "sleep", "infinity" }, ["network", "create", "--subnet", "10.0.114.0/24", "during"] })
        {
            var took = Stopwatch.StartNew();
            (code, text) = await lab.WeftAsync(1, write);
            Assert.NotEqual(0, code);
            Assert.Contains("the cluster store is unavailable", text, StringComparison.Ordinal);
            Assert.Contains("since", text, StringComparison.Ordinal);
            Assert.True(took.Elapsed < TimeSpan.FromSeconds(3), $"{write[0]} during the pause answered after {took.Elapsed}");
        }

        await lab.StoreAsync(LabStoreAction.Resume);
        await LabFixture.EventuallyAsync(async () => (await h1.StatusAsync()).StoreReachable, "the agent reaches the store again after resume", seconds: 10);
        (code, text) = await lab.WeftAsync(1, "network", "ls");
        Assert.DoesNotContain("STALE", text, StringComparison.Ordinal);
        // Nothing of the refused writes is left, in the store or the kernel (an early write etcd applied once it woke is
        // undone by the agent).
        await LabFixture.EventuallyAsync(async () => (await h1.ListNetworksAsync()).Select(n => n.Name).SequenceEqual(["p"]), "only network p is left", seconds: 10);
        Assert.Empty(await h1.ListSandboxesAsync(all: true));
        Assert.DoesNotContain($"weftsb-{lab.Host(1).Name}_w1", NetworkNamespace.List());
        // And writes work again.
        var after = await h1.CreateSandboxAsync(Sleeper("w1", "p"));
        Assert.Equal("w1", after.Name);

        // The transition and the recovery are logged, once each.
        var log = await File.ReadAllTextAsync(lab.Host(1).LogPath);
        Assert.Equal(1, Count(log, "stopped answering"));
        Assert.Equal(1, Count(log, "answers again"));
    }

    [Fact]
    public async Task A_store_file_deleted_under_running_agents_is_reported_and_a_restarted_agent_refuses_and_deletes_nothing()
    {
        await using var lab = await LabFixture.UpAsync(2, LabStore.Embedded);
        using var h1 = lab.Client(1);
        using var h2 = lab.Client(2);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "keep", Subnets = [new SubnetSpec("10.0.111.0/24")] });
        var s1 = await h1.CreateSandboxAsync(Sleeper("k1", "keep"));
        var s2 = await h2.CreateSandboxAsync(Sleeper("k2", "keep"));
        Assert.True(await LabFixture.PingAsync(s1.NetworkNamespace, s2.Endpoints[0].Address!), "overlay before");
        var cluster = (await h1.StatusAsync()).ClusterId!;

        var file = new Uri(lab.State.StoreUrl).AbsolutePath;
        foreach (var path in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(path);
        }
        foreach (var client in new[] { h1, h2 })
        {
            AgentStatus? status = null;
            await LabFixture.EventuallyAsync(async () => (status = await client.StatusAsync()) is { StoreReachable: false }, "the agent reports its store file gone", seconds: 5);
            Assert.Contains("deleted", status!.StoreError, StringComparison.Ordinal);
        }

        var networkNamespace = $"weft-{lab.Host(1).Name}_keep";
        var restart = await Assert.ThrowsAsync<LabException>(async () =>
        {
            lab.KillAgent(1);
            await lab.StartAgentAsync(1);
        });
        var log = await File.ReadAllTextAsync(lab.Host(1).LogPath);
        Assert.Contains($"refusing to start on store {lab.State.StoreUrl}: this host belongs to cluster {cluster}, and the store has no cluster id", log, StringComparison.Ordinal);
        Assert.Contains("--join-new-cluster", restart.Message + log, StringComparison.Ordinal);

        // Nothing of host1 was removed: its network's and its sandbox's namespaces, and the traffic between them.
        Assert.Contains(networkNamespace, NetworkNamespace.List());
        Assert.True(File.Exists(s1.NetworkNamespace), $"{s1.NetworkNamespace} was removed");
        Assert.True(await LabFixture.PingAsync(s1.NetworkNamespace, s2.Endpoints[0].Address!), "overlay after the refused restart");
        Assert.True(await LabFixture.PingAsync(s2.NetworkNamespace, s1.Endpoints[0].Address!), "and back");
    }

    [Fact]
    public async Task A_wiped_etcd_is_another_store_running_agents_keep_their_state_and_a_restarted_agent_refuses()
    {
        await using var lab = await LabFixture.UpAsync(1, LabStore.Etcd);
        using var h1 = lab.Client(1);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "w", Subnets = [new SubnetSpec("10.0.112.0/24")] });
        var s1 = await h1.CreateSandboxAsync(Sleeper("w1", "w"));
        var cluster = (await h1.StatusAsync()).ClusterId!;

        await lab.StoreAsync(LabStoreAction.Stop);
        Directory.Delete(Path.Combine(lab.State.Directory, "etcd"), recursive: true);
        await lab.StoreAsync(LabStoreAction.Start);
        AgentStatus? status = null;
        await LabFixture.EventuallyAsync(async () => (status = await h1.StatusAsync()) is { StoreReachable: false } s && s.StoreError!.Contains(cluster, StringComparison.Ordinal),
            "the running agent says the store is no longer its cluster's", seconds: 15);
        Assert.Contains("no cluster id", status!.StoreError, StringComparison.Ordinal);
        // The view kept the cluster's last state rather than the empty store's.
        Assert.Contains("w", (await lab.WeftAsync(1, "network", "ls")).Output, StringComparison.Ordinal);
        Assert.True(File.Exists(s1.NetworkNamespace));

        await Assert.ThrowsAsync<LabException>(async () =>
        {
            lab.KillAgent(1);
            await lab.StartAgentAsync(1);
        });
        Assert.Contains($"this host belongs to cluster {cluster}, and the store has no cluster id", await File.ReadAllTextAsync(lab.Host(1).LogPath), StringComparison.Ordinal);
        Assert.True(File.Exists(s1.NetworkNamespace), "the sandbox's namespace survives the refused start");
        Assert.Contains($"weft-{lab.Host(1).Name}_w", NetworkNamespace.List());
    }

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
