using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Weft.Api;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Agent.Tests;

public sealed class LivenessEndToEndTests_Embedded(LivenessLab.Embedded lab) : LivenessEndToEndTests(lab), IClassFixture<LivenessLab.Embedded>;

public sealed class LivenessEndToEndTests_Etcd(LivenessLab.Etcd lab) : LivenessEndToEndTests(lab), IClassFixture<LivenessLab.Etcd>;

/// <summary>
/// One lab per store for the liveness tests: three hosts on a 3 s TTL (the default is 15 s; every wait below is a
/// multiple of the TTL, so the ratios are the real ones and the suite stays fast), one overlay, a sandbox on each host.
/// </summary>
public abstract class LivenessLab(LabStore store) : IAsyncLifetime
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    public LabFixture Lab { get; private set; } = null!;

    /// <summary>The sandboxes a1, a2, a3 on hosts 1, 2, 3, as `run` returned them.</summary>
    public IReadOnlyList<SandboxDetail> Sandboxes { get; private set; } = [];

    public int Vni { get; private set; }

    public async Task InitializeAsync()
    {
        Lab = await LabFixture.UpAsync(3, store, hostTtl: Ttl);
        using var h1 = Lab.Client(1);
        Vni = (await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "live", Subnets = [new SubnetSpec("10.0.80.0/24")] })).Vni!.Value;
        var sandboxes = new List<SandboxDetail>();
        for (var i = 1; i <= 3; i++)
        {
            using var client = Lab.Client(i);
            sandboxes.Add(await client.CreateSandboxAsync(new CreateSandboxRequest
            {
                Name = $"a{i}", Networks = [new SandboxNetworkSpec("live", $"10.0.80.{10 + i}")], Command = ["sleep", "infinity"],
            }));
        }
        Sandboxes = sandboxes;
    }

    public async Task DisposeAsync() => await Lab.DisposeAsync();

    public sealed class Embedded() : LivenessLab(LabStore.Embedded);

    public sealed class Etcd() : LivenessLab(LabStore.Etcd);
}

/// <summary>
/// Recovery must not cause the outage (issue 19), as a user meets it: an agent that is down is not a host that is down,
/// an outage of every agent or of the store longer than the TTL loses no packet, and a host that really goes silent is
/// withdrawn within its TTL plus a few seconds, names included. Traffic is pinged at 100 per second throughout.
/// </summary>
public abstract class LivenessEndToEndTests(LivenessLab fixture)
{
    private LabFixture Lab => fixture.Lab;

    private SandboxDetail Sandbox(int host) => fixture.Sandboxes[host - 1];

    private static string AddressOf(SandboxDetail s) => s.Endpoints[0].Address!;

    [Fact]
    public async Task An_agent_killed_for_four_TTLs_leaves_its_sandboxes_reachable_and_named()
    {
        await EntriesOnAllHostsAsync();
        await using var ping = PingLoss.Start(Sandbox(1).NetworkNamespace, AddressOf(Sandbox(2)));
        try
        {
            Lab.KillAgent(2);
            await Task.Delay(4 * LivenessLab.Ttl);
            using var h1 = Lab.Client(1);
            var inspected = await h1.InspectNetworkAsync("live");
            var a2 = Assert.Single(inspected.Endpoints, e => e.Sandbox == "a2");
            Assert.False(a2.HostAlive); // its lease did expire: hostAlive says only that (kept for older clients)
            Assert.Equal(HostStates.Held, a2.HostState); // and its data plane answers, so it is held
            Assert.Equal(HostStates.Held, (await h1.InspectSandboxAsync("a2")).HostState);
            Assert.Equal(HostStates.Live, (await h1.InspectSandboxAsync("a1")).HostState);
            var host2 = Lab.Host(2).Name;
            Assert.Equal([host2], (await h1.StatusAsync()).HeldHosts);
            Assert.Contains($"{host2} (held)", (await Lab.WeftAsync(1, "ps", "--all-hosts")).Output, StringComparison.Ordinal);
            Assert.Contains($"{host2} (held)", (await Lab.WeftAsync(1, "inspect", "a2")).Output, StringComparison.Ordinal);
            Assert.Contains($"Held hosts:", (await Lab.WeftAsync(1, "status")).Output, StringComparison.Ordinal);
            Assert.Contains(Sandbox(2).Endpoints[0].Mac, Fdb(1).Select(Mac));
            Assert.Equal(0, (await Lab.ExecAsync(1, "a1", "getent", "hosts", "a2")).ExitCode);
        }
        finally
        {
            await Lab.StartAgentAsync(2);
        }
        var (sent, received) = await ping.StopAsync();
        Assert.True(sent > 0 && received == sent, $"pings to a2 while its agent was dead: {received} of {sent} answered");
    }

    [Fact]
    public Task All_agents_killed_for_three_TTLs_then_restarted_lose_no_ping() =>
        AssertNoPingLostAsync("every agent was dead and restarting",
            () =>
            {
                for (var i = 1; i <= 3; i++)
                {
                    Lab.KillAgent(i);
                }
                return Task.CompletedTask;
            },
            async () =>
            {
                for (var i = 1; i <= 3; i++)
                {
                    await Lab.StartAgentAsync(i);
                }
            });

    [Fact]
    public Task A_store_paused_for_three_TTLs_then_resumed_loses_no_ping() =>
        AssertNoPingLostAsync("the store was paused (every lease expired) and resumed",
            () => Lab.StoreAsync(LabStoreAction.Pause), () => Lab.StoreAsync(LabStoreAction.Resume));

    /// <summary>
    /// Pings a1 → a2 at 100/s while something is broken for three TTLs, then repaired, and for two TTLs more (the passes
    /// after a recovery, where the flap used to be): not one ping may be lost, and every entry is there at the end.
    /// </summary>
    private async Task AssertNoPingLostAsync(string what, Func<Task> breakIt, Func<Task> repair)
    {
        await EntriesOnAllHostsAsync();
        await using var ping = PingLoss.Start(Sandbox(1).NetworkNamespace, AddressOf(Sandbox(2)));
        try
        {
            await breakIt();
            await Task.Delay(3 * LivenessLab.Ttl);
        }
        finally
        {
            await repair();
        }
        await Task.Delay(2 * LivenessLab.Ttl);
        var (sent, received) = await ping.StopAsync();
        Assert.True(sent > 0 && received == sent, $"pings across while {what}: {received} of {sent} answered");
        await EntriesOnAllHostsAsync();
    }

    [Fact]
    public async Task A_partitioned_host_is_withdrawn_within_its_TTL_and_its_names_stop_resolving_until_it_heals()
    {
        await EntriesOnAllHostsAsync();
        var mac3 = Sandbox(3).Endpoints[0].Mac;
        Assert.Equal(0, (await Lab.ExecAsync(1, "a1", "getent", "hosts", "a3")).ExitCode);
        var clock = Stopwatch.StartNew();
        Lab.Partition(3);
        try
        {
            // TTL, then three unanswered probe rounds of 1 s, and room for a loaded machine.
            var deadline = (int)(LivenessLab.Ttl.TotalSeconds + 3 + 4);
            await LabFixture.EventuallyAsync(() => !Fdb(1).Select(Mac).Contains(mac3) && !Fdb(2).Select(Mac).Contains(mac3),
                "host1 and host2 withdraw the partitioned host3's endpoint", deadline);
            var withdrawnAfter = clock.Elapsed;
            Assert.NotEqual(0, (await Lab.ExecAsync(1, "a1", "getent", "hosts", "a3")).ExitCode);
            using (var h1 = Lab.Client(1))
            {
                Assert.Equal(HostStates.Gone, Assert.Single((await h1.InspectNetworkAsync("live")).Endpoints, e => e.Sandbox == "a3").HostState);
                Assert.Empty((await h1.StatusAsync()).HeldHosts ?? []);
            }
            Assert.Contains($"{Lab.Host(3).Name} (gone)", (await Lab.WeftAsync(1, "ps", "--all-hosts")).Output, StringComparison.Ordinal);
            Assert.Contains(Sandbox(2).Endpoints[0].Mac, Fdb(1).Select(Mac)); // the others stay
            Assert.True(withdrawnAfter > LivenessLab.Ttl, $"withdrawn after {withdrawnAfter.TotalSeconds:0.0} s, before its lease could expire");
        }
        finally
        {
            Lab.Heal(3);
        }
        await LabFixture.EventuallyAsync(() => Fdb(1).Select(Mac).Contains(mac3), "host1 points at host3's endpoint again after the heal", 20);
        await LabFixture.EventuallyAsync(async () => (await Lab.ExecAsync(1, "a1", "getent", "hosts", "a3")).ExitCode == 0, "a3 resolves again", 20);
    }

    /// <summary>Every host points at the two other hosts' sandboxes (the state each test starts from and must leave).</summary>
    private async Task EntriesOnAllHostsAsync() =>
        await LabFixture.EventuallyAsync(() => Enumerable.Range(1, 3).All(i => Fdb(i).Count == 2), "every host has an FDB entry for each other host's sandbox", 30);

    private static string Mac(FdbEntry e) => e.MacAddress.ToText();

    private List<FdbEntry> Fdb(int host)
    {
        using var ns = NetworkNamespace.Open($"weft-{Lab.Host(host).Name}_live");
        using var nl = ns.OpenNetlink();
        return [.. nl.ListFdb(nl.GetLink($"vx-{fixture.Vni}").Index).Where(e => e.Destination is not null)];
    }
}

/// <summary>
/// Pings at 100 per second from a namespace until stopped, as back-to-back runs of `ping -c 100`, each of which waits for
/// its last reply: stopping never cuts a request in flight, so every request sent is counted as answered or lost.
/// </summary>
internal sealed partial class PingLoss : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(int Sent, int Received)> _run;

    private PingLoss(string namespacePath, string address) => _run = RunAsync(namespacePath, address, _stop.Token);

    public static PingLoss Start(string namespacePath, string address) => new(namespacePath, address);

    public async Task<(int Sent, int Received)> StopAsync()
    {
        await _stop.CancelAsync();
        return await _run;
    }

    private static async Task<(int, int)> RunAsync(string namespacePath, string address, CancellationToken stop)
    {
        int sent = 0, received = 0;
        while (!stop.IsCancellationRequested)
        {
            var (_, output) = await LabDemo.RunInAsync(namespacePath, ["ping", "-q", "-i", "0.01", "-W", "1", "-c", "100", address], CancellationToken.None);
            var summary = Summary().Match(output);
            Assert.True(summary.Success, $"ping printed no summary: {output}");
            sent += int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
            received += int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        return (sent, received);
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) (?:packets )?received")]
    private static partial Regex Summary();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await ((Task)_run).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
