using System.Net.NetworkInformation;
using Weft.Api;
using Weft.Cluster;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux.Namespaces;
using Weft.Linux.Processes;
using Weft.Linux.Routing;
using Weft.Store;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>One lab for every crash test: host1's agent is the one that dies, host2 holds a peer on the same overlay.</summary>
public sealed class CrashLab : IAsyncLifetime
{
    public const string Network = "crash-net";
    public const string Other = "crash-other";

    public LabFixture Lab { get; private set; } = null!;

    public SandboxDetail Peer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Lab = await LabFixture.UpAsync(2);
        using var h2 = Lab.Client(2);
        await h2.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.0.60.0/24")] });
        await h2.CreateNetworkAsync(new CreateNetworkRequest { Name = Other, Subnets = [new SubnetSpec("10.0.61.0/24")] });
        Peer = await h2.CreateSandboxAsync(new CreateSandboxRequest { Name = "peer", Networks = [new SandboxNetworkSpec(Network)], Command = ["sleep", "infinity"] });
    }

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}

/// <summary>
/// The agent is SIGKILLed inside `run`, `network connect`, `disconnect` and `rm`: at every named step of each (the agent's
/// crash points), and at a sweep of moments during `run`. After the restart every sandbox must be whole and working, or
/// gone with nothing left, and the store and the kernel of both hosts must agree.
/// </summary>
[RequiresRoot]
public sealed class CrashTests(CrashLab fixture) : IClassFixture<CrashLab>
{
    private LabFixture Lab => fixture.Lab;

    private static CreateSandboxRequest Sleeper(string name, params string[] networks) =>
        new() { Name = name, Networks = [.. networks.Select(n => new SandboxNetworkSpec(n))], Command = ["sleep", "infinity"] };

    [Theory]
    [InlineData("run.intent")]
    [InlineData("run.reserved")]
    [InlineData("run.namespace")]
    [InlineData("run.joined")]
    [InlineData("run.files")]
    [InlineData("run.started")]
    [InlineData("run.recorded")]
    public async Task A_run_cut_short_leaves_nothing(string point)
    {
        var name = "r-" + point.Replace('.', '-');
        await CrashDuringAsync(point, c => c.CreateSandboxAsync(Sleeper(name, CrashLab.Network, CrashLab.Other)));

        await AssertConsistentAsync();
        using var h1 = Lab.Client(1);
        Assert.DoesNotContain(await h1.ListSandboxesAsync(), s => s.Name == name);
        // The name is free again, and a sandbox under it works.
        var again = await h1.CreateSandboxAsync(Sleeper(name, CrashLab.Network));
        Assert.True(await LabFixture.PingAsync(again.NetworkNamespace, fixture.Peer.Endpoints[0].Address!), $"{name} → peer after the crash at {point}");
        await h1.RemoveSandboxAsync(name, force: true);
        await AssertConsistentAsync();
    }

    [Theory]
    [InlineData("connect.reserved")]
    [InlineData("connect.joined")]
    public async Task A_connect_cut_short_is_undone_and_the_sandbox_stays_whole(string point)
    {
        var name = "c-" + point.Replace('.', '-');
        using (var h1 = Lab.Client(1))
        {
            await h1.CreateSandboxAsync(Sleeper(name, CrashLab.Network));
        }
        await CrashDuringAsync(point, c => c.ConnectAsync(CrashLab.Other, new ConnectRequest(name)));

        await AssertWholeOnFirstNetworkOnlyAsync(name);
    }

    [Fact]
    public async Task A_disconnect_cut_short_is_finished()
    {
        const string name = "d-disconnect";
        using (var h1 = Lab.Client(1))
        {
            await h1.CreateSandboxAsync(Sleeper(name, CrashLab.Network, CrashLab.Other));
        }
        await CrashDuringAsync("disconnect.released", c => c.DisconnectAsync(CrashLab.Other, new ConnectRequest(name)));

        await AssertWholeOnFirstNetworkOnlyAsync(name);
    }

    [Theory]
    [InlineData("rm.released")]
    [InlineData("teardown.killed")]
    [InlineData("teardown.unplugged")]
    public async Task A_removal_cut_short_is_finished(string point)
    {
        var name = "m-" + point.Replace('.', '-');
        using (var h1 = Lab.Client(1))
        {
            await h1.CreateSandboxAsync(Sleeper(name, CrashLab.Network, CrashLab.Other));
        }
        await CrashDuringAsync(point, c => c.RemoveSandboxAsync(name, force: true));

        await AssertConsistentAsync();
        using var client = Lab.Client(1);
        Assert.DoesNotContain(await client.ListSandboxesAsync(), s => s.Name == name);
    }

    /// <summary>Between the named steps too: the agent is killed at moments spread over a `run`.</summary>
    [Fact]
    public async Task A_run_killed_at_any_moment_is_whole_or_gone()
    {
        var outcomes = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var name = $"s-{i}";
            var delay = TimeSpan.FromMilliseconds(i * 4);
            using (var h1 = Lab.Client(1))
            {
                var create = h1.CreateSandboxAsync(Sleeper(name, CrashLab.Network, CrashLab.Other));
                await Task.Delay(delay);
                Lab.KillAgent(1);
                try
                {
                    await create;
                    outcomes.Add("made");
                }
                catch (WeftApiException)
                {
                    outcomes.Add("cut");
                }
            }
            await Lab.StartAgentAsync(1);
            await AssertConsistentAsync();
            using var client = Lab.Client(1);
            if ((await client.ListSandboxesAsync()).FirstOrDefault(s => s.Name == name) is { } made)
            {
                Assert.Equal("running", made.State);
                Assert.True(await LabFixture.PingAsync(made.NetworkNamespace, fixture.Peer.Endpoints[0].Address!), $"{name} (killed after {delay.TotalMilliseconds} ms) → peer");
                await client.RemoveSandboxAsync(name, force: true);
            }
        }
        await AssertConsistentAsync();
        Assert.Contains("cut", outcomes); // the sweep did cut some runs short: it tested something
    }

    /// <summary>The sandbox survived whole, on its first network alone; then it is removed, and nothing of it stays.</summary>
    private async Task AssertWholeOnFirstNetworkOnlyAsync(string name)
    {
        await AssertConsistentAsync();
        using var client = Lab.Client(1);
        var sandbox = await client.InspectSandboxAsync(name);
        Assert.Equal(("running", CrashLab.Network), (sandbox.State, Assert.Single(sandbox.Endpoints).Network));
        await client.RemoveSandboxAsync(name, force: true);
        await AssertConsistentAsync();
    }

    /// <summary>Restarts host1's agent armed to die at <paramref name="point"/>, asks it for the operation, and restarts it plain.</summary>
    private async Task CrashDuringAsync(string point, Func<WeftApiClient, Task> operation)
    {
        Lab.KillAgent(1);
        await Lab.StartAgentAsync(1, new Dictionary<string, string> { [CrashPoints.Variable] = point });
        var pid = Lab.Host(1).AgentPid!.Value;
        using (var h1 = Lab.Client(1))
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => operation(h1));
            // The agent dying mid-request is "agent unavailable"; any other answer means it never reached the point.
            Assert.True(error is HttpRequestException or WeftApiException { Code: ErrorCodes.AgentUnavailable }, $"the agent should have died at {point}: {error}");
        }
        await LabFixture.EventuallyAsync(() => ProcessStat.Read(pid) is null or { IsZombie: true }, $"the agent died at {point}");
        Lab.KillAgent(1); // only forgets the dead pid
        await Lab.StartAgentAsync(1);
    }

    /// <summary>
    /// The store and the kernel of both hosts agree, once the restarted agent has settled (within a few seconds):
    /// namespaces, veths, FDB and neighbour entries, addresses held, processes, intents; and every sandbox left is whole.
    /// </summary>
    private async Task AssertConsistentAsync()
    {
        string? last = null;
        try
        {
            await LabFixture.EventuallyAsync(async () => (last = await DisagreementOrChangeAsync()) is null, "store and kernel agree", seconds: 20);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"store and kernel disagree: {last}");
        }
    }

    /// <summary>A kernel object that goes while it is looked at (an agent is removing it) is a disagreement of the moment too.</summary>
    private async Task<string?> DisagreementOrChangeAsync()
    {
        try
        {
            return await DisagreementAsync();
        }
        catch (Linux.KernelException e)
        {
            return $"the kernel changed while it was read: {e.Message}";
        }
    }

    private async Task<string?> DisagreementAsync()
    {
        await using var store = await ClusterStore.OpenAsync(Lab.State.StoreUrl);
        var s = ClusterSnapshot.FromListing(await store.ListAsync(ClusterKeys.Root));
        var problems = new List<string>();
        for (var i = 1; i <= 2; i++)
        {
            var host = Lab.Host(i);
            var hostId = s.LiveHosts.Values.FirstOrDefault(h => h.Name == host.Name)?.Id;
            if (hostId is null)
            {
                problems.Add($"{host.Name} is not registered");
                continue;
            }
            var sandboxes = s.Sandboxes.Values.Where(x => x.HostId == hostId).ToList();
            var intents = Path.Combine(host.Directory, "run", "intents");
            if (Directory.Exists(intents) && Directory.EnumerateFiles(intents).Any())
            {
                problems.Add($"{host.Name} has unsettled intents");
            }

            // Sandbox namespaces: exactly the store's.
            var namespaces = NetworkNamespace.List().Where(n => KernelNames.TryParseSandboxNamespaceName(n, out var h, out _) && h == host.Name).Order().ToList();
            var expected = sandboxes.Select(x => Path.GetFileName(x.NetworkNamespace)).Order().ToList();
            if (!namespaces.SequenceEqual(expected))
            {
                problems.Add($"{host.Name}: namespaces [{string.Join(", ", namespaces)}] but sandboxes [{string.Join(", ", expected)}]");
            }

            // Processes: exactly one live marked process per sandbox, the recorded one.
            var marked = MarkedProcesses.Find(SandboxMark.Variable, v => SandboxMark.IsOfHost(v, host.Name))
                .Where(pid => ProcessStat.Read(pid) is { IsZombie: false }).Order().ToList();
            var recorded = sandboxes.Select(x => x.Pid ?? -1).Order().ToList();
            if (!marked.SequenceEqual(recorded))
            {
                problems.Add($"{host.Name}: marked processes [{string.Join(", ", marked)}] but recorded [{string.Join(", ", recorded)}]");
            }

            foreach (var network in s.Networks.Values.Where(n => n.Driver == NetworkDriver.Overlay))
            {
                var local = s.EndpointsOf(network.Id).Where(e => e.HostId == hostId).ToList();
                var remote = s.EndpointsOf(network.Id).Where(e => e.HostId != hostId && s.IsAlive(e.HostId)).ToList();
                var nsName = KernelNames.NetworkNamespaceName(host.Name, network.Name);
                if (!NetworkNamespace.Exists(nsName))
                {
                    if (local.Count > 0)
                    {
                        problems.Add($"{host.Name}: no namespace for {network.Name} with {local.Count} local endpoint(s)");
                    }
                    continue;
                }
                using var ns = NetworkNamespace.Open(nsName);
                using var nl = ns.OpenNetlink();
                var veths = nl.ListLinks().Select(l => l.Name).Where(KernelNames.IsVethHostName).Order().ToList();
                var wanted = local.Select(e => KernelNames.VethHostName(e.Id)).Order().ToList();
                if (!veths.SequenceEqual(wanted))
                {
                    problems.Add($"{host.Name}/{network.Name}: veths [{string.Join(", ", veths)}] but endpoints [{string.Join(", ", wanted)}]");
                }
                var vx = nl.GetLink(KernelNames.VxlanDeviceName(network.Vni!.Value));
                var fdb = nl.ListFdb(vx.Index).Where(e => e.MasterIndex is null && e.Flags.HasFlag(NeighborFlags.Self))
                    .Select(e => e.MacAddress.ToString()).Order().ToList();
                var macs = remote.Select(e => PhysicalAddress.Parse(e.Mac.ToString().Replace(':', '-')).ToString()).Order().ToList();
                if (!fdb.SequenceEqual(macs))
                {
                    problems.Add($"{host.Name}/{network.Name}: FDB [{string.Join(", ", fdb)}] but remote endpoints [{string.Join(", ", macs)}]");
                }
                var neighbours = nl.ListNeighbors(vx.Index).Where(n => !n.State.HasFlag(NeighborState.NoArp)).Select(n => n.Address.ToString()).Order().ToList();
                var addresses = remote.Select(e => e.Address!.ToString()).Order().ToList();
                if (!neighbours.SequenceEqual(addresses))
                {
                    problems.Add($"{host.Name}/{network.Name}: neighbours [{string.Join(", ", neighbours)}] but remote endpoints [{string.Join(", ", addresses)}]");
                }
            }

            // Every sandbox left is whole: its process runs, and each interface is up and addressed.
            foreach (var sandbox in sandboxes)
            {
                if (sandbox.Pid is not { } pid || ProcessStat.Read(pid) is not { IsZombie: false })
                {
                    problems.Add($"{host.Name}: sandbox {sandbox.Name} has no running process");
                    continue;
                }
                if (!File.Exists(sandbox.NetworkNamespace))
                {
                    continue; // reported above
                }
                using var ns = NetworkNamespace.OpenPath(sandbox.NetworkNamespace);
                using var nl = ns.OpenNetlink();
                foreach (var e in s.EndpointsOfSandbox(sandbox.Id))
                {
                    if (nl.FindLink(e.InterfaceName) is not { Up: true } link || !nl.ListAddresses(link.Index).Any(a => a.Address.Equals(e.Address)))
                    {
                        problems.Add($"{host.Name}: sandbox {sandbox.Name} has no working {e.InterfaceName} for {e.NetworkName}");
                    }
                }
            }
        }

        // Addresses: every allocation belongs to a gateway or a live endpoint record.
        var owners = s.Endpoints.Keys.Concat(s.Networks.Values.Select(n => n.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var kv in (await store.ListAsync(ClusterKeys.Ipam)).Items)
        {
            if (RecordCodec.Allocation(kv.Value) is { } a && !owners.Contains(a.OwnerId))
            {
                problems.Add($"address {ClusterKeys.LastSegment(kv.Key)} is held by {a.OwnerKind} {WeftIds.Short(a.OwnerId)}, which no longer exists");
            }
        }
        // Endpoints: every one belongs to a sandbox.
        foreach (var e in s.Endpoints.Values.Where(e => s.SandboxById(e.SandboxId) is null))
        {
            problems.Add($"endpoint {WeftIds.Short(e.Id)} on {e.NetworkName} belongs to no sandbox");
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
