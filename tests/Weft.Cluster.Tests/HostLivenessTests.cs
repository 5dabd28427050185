using Weft.Cluster.Tests.Infrastructure;
using Weft.Core.Model;

namespace Weft.Cluster.Tests;

public sealed class HostLivenessTests_Etcd(EtcdFixture etcd) : HostLivenessTests(new EtcdBackend(etcd)), IClassFixture<EtcdFixture>;

public sealed class HostLivenessTests_Sqlite() : HostLivenessTests(new SqliteBackend());

/// <summary>
/// DESIGN, leases and liveness: a dead host's record goes within the TTL, its allocations only after the grace period,
/// and a host that comes back in time keeps everything.
/// </summary>
public abstract class HostLivenessTests(IStoreBackend backend) : ClusterTestBase(backend)
{
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    private async Task<HostRecord?> HostAsync(string hostId) =>
        await Store.GetAsync(ClusterKeys.Host(hostId)) is { } kv ? RecordCodec.Host(kv.Value) : null;

    /// <summary>The agent dies: no more keep-alives, and its lease is ended (as the store would after the TTL).</summary>
    private async Task KillAsync(HostRegistration registration, string hostId)
    {
        await registration.StopAsync(withdraw: false);
        var kv = await Store.GetAsync(ClusterKeys.Host(hostId));
        if (kv is not null)
        {
            await Store.RevokeLeaseAsync(kv.Lease);
        }
        Assert.Null(await Store.GetAsync(ClusterKeys.Host(hostId)));
    }

    [Fact]
    public async Task Start_writes_the_host_on_a_lease_and_every_start_bumps_the_incarnation()
    {
        var first = await RegisterAsync("host-a", routes: [Net("192.0.2.0/24")]);

        var kv = await Store.GetAsync(ClusterKeys.Host("host-a"));
        Assert.NotNull(kv);
        Assert.NotEqual(0, kv.Lease);
        var host = RecordCodec.Host(kv.Value)!;
        Assert.Equal(("host-a", "name-host-a", 1L), (host.Id, host.Name, host.Incarnation));
        var info = (await HostInfoAsync("host-a"))!;
        Assert.Equal((1L, (DateTimeOffset?)null), (info.Incarnation, info.DownSince));
        Assert.Equal([Net("192.0.2.0/24")], info.Routes);
        Assert.Equal(1, first.Incarnation);
        Assert.True(first.Registered);

        await first.StopAsync(withdraw: true);
        Assert.Null(await Store.GetAsync(ClusterKeys.Host("host-a")));

        var second = await RegisterAsync("host-a");
        Assert.Equal(2, second.Incarnation);
        Assert.Equal(2, (await HostAsync("host-a"))!.Incarnation);
        Assert.Equal(2, (await HostInfoAsync("host-a"))!.Incarnation);
    }

    [Fact]
    public async Task When_keep_alives_stop_the_host_record_expires_and_leaves_the_view()
    {
        var view = await StartViewAsync();
        var registration = await RegisterAsync("host-a", ttl: TimeSpan.FromSeconds(2));
        await RegisterAsync("host-b", ttl: TimeSpan.FromSeconds(2));
        await EventuallyAsync(() => view.Current.IsAlive("host-a") && view.Current.IsAlive("host-b"), "both hosts alive in the view");

        // Well past the TTL, the kept-alive record is still there.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.NotNull(await HostAsync("host-a"));

        await registration.StopAsync(withdraw: false); // the agent stops without withdrawing: the TTL decides

        await EventuallyAsync(async () => await HostAsync("host-a") is null, "host-a's record expired");
        await EventuallyAsync(() => !view.Current.IsAlive("host-a"), "host-a gone from the view's live hosts");
        Assert.True(view.Current.IsAlive("host-b"));
        Assert.True(view.Current.KnownHosts.ContainsKey("host-a"), "the host is still known, so its grace period can be counted");
        Assert.NotNull(await HostAsync("host-b"));
    }

    [Fact]
    public async Task A_host_whose_lease_is_lost_registers_again_on_a_new_lease()
    {
        var registration = await RegisterAsync("host-a", ttl: TimeSpan.FromSeconds(2));
        var lease = (await Store.GetAsync(ClusterKeys.Host("host-a")))!.Lease;

        await Store.RevokeLeaseAsync(lease); // as if the store had expired it during an outage

        await EventuallyAsync(async () => await Store.GetAsync(ClusterKeys.Host("host-a")) is { } kv && kv.Lease != lease, "host-a registered again");
        Assert.Equal(1, (await HostAsync("host-a"))!.Incarnation);
        Assert.Equal(1, registration.Incarnation);
        await EventuallyAsync(() => registration.Registered, "registration reports itself registered");
    }

    [Fact]
    public async Task The_reaper_marks_a_dead_host_down_and_frees_its_allocations_only_after_the_grace_period()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var reaper = new HostReaper(Store, Grace, clock);
        var network = await Networks.CreateAsync(Overlay("n", "10.95.0.0/24"));
        var dead = await RegisterAsync("host-a");
        await RegisterAsync("host-b");
        var deadEndpoint = await Endpoints.CreateAsync(Join("n", hostId: "host-a"));
        var liveEndpoint = await Endpoints.CreateAsync(Join("n", hostId: "host-b"));
        await Sandboxes.CreateAsync(Sandbox("dead-box", "host-a"), []);
        await Sandboxes.CreateAsync(Sandbox("live-box", "host-b"), []);

        // While everyone is alive a sweep does nothing.
        Assert.Equal(0, await reaper.SweepAsync(await SnapshotAsync()));
        Assert.Null((await HostInfoAsync("host-a"))!.DownSince);

        await KillAsync(dead, "host-a");
        Assert.Equal(0, await reaper.SweepAsync(await SnapshotAsync()));
        Assert.Equal(clock.GetUtcNow(), (await HostInfoAsync("host-a"))!.DownSince);
        Assert.Null((await HostInfoAsync("host-b"))!.DownSince);

        // Within the grace period a partitioned host would still find its address its own.
        clock.Advance(Grace - TimeSpan.FromMinutes(1));
        var before = await DumpAsync();
        Assert.Equal(0, await reaper.SweepAsync(await SnapshotAsync()));
        Assert.Equal(before, await DumpAsync());

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await reaper.SweepAsync(await SnapshotAsync()));

        Assert.Null(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, deadEndpoint.Id)));
        Assert.Null(await Store.GetAsync(ClusterKeys.Address(network.Id, deadEndpoint.Address!)));
        Assert.NotNull(await Store.GetAsync(ClusterKeys.ReleasedAddress(network.Id, deadEndpoint.Address!)));
        Assert.Null(await Sandboxes.GetAsync("dead-box"));
        // The live host keeps everything.
        Assert.NotNull(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, liveEndpoint.Id)));
        Assert.NotNull(await Store.GetAsync(ClusterKeys.Address(network.Id, liveEndpoint.Address!)));
        Assert.NotNull(await Sandboxes.GetAsync("live-box"));

        // The freed address is given out again (after never-used ones, as usual), and a second sweep is harmless.
        var dump = await DumpAsync();
        await reaper.SweepAsync(await SnapshotAsync());
        Assert.Equal(dump.Keys, (await DumpAsync()).Keys);
    }

    [Fact]
    public async Task A_host_that_re_registered_meanwhile_keeps_its_endpoints_and_sandboxes()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var reaper = new HostReaper(Store, Grace, clock);
        var network = await Networks.CreateAsync(Overlay("n", "10.96.0.0/24"));
        var registration = await RegisterAsync("host-a");
        var endpoint = await Endpoints.CreateAsync(Join("n", hostId: "host-a"));
        await Sandboxes.CreateAsync(Sandbox("box", "host-a"), []);
        await KillAsync(registration, "host-a");
        await reaper.SweepAsync(await SnapshotAsync());
        Assert.NotNull((await HostInfoAsync("host-a"))!.DownSince);

        // Another agent's view still shows host-a down when the grace period ends...
        var stale = await SnapshotAsync();
        Assert.False(stale.IsAlive("host-a"));
        clock.Advance(Grace + TimeSpan.FromMinutes(1));
        // ...but host-a came back just before that sweep.
        var back = await RegisterAsync("host-a");
        Assert.Equal(2, back.Incarnation);
        Assert.Null((await HostInfoAsync("host-a"))!.DownSince);
        var before = await DumpAsync();

        await reaper.SweepAsync(stale);
        await reaper.SweepAsync(await SnapshotAsync());

        Assert.NotNull(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, endpoint.Id)));
        Assert.Equal(endpoint.Id, RecordCodec.Allocation((await Store.GetAsync(ClusterKeys.Address(network.Id, endpoint.Address!)))!.Value)!.OwnerId);
        Assert.NotNull(await Sandboxes.GetAsync("box"));
        Assert.Equal(before.Keys, (await DumpAsync()).Keys);
    }

    [Fact]
    public async Task With_no_grace_period_a_later_sweep_frees_a_dead_hosts_endpoints()
    {
        var reaper = new HostReaper(Store, TimeSpan.Zero);
        var network = await Networks.CreateAsync(Overlay("n", "10.97.0.0/24"));
        var registration = await RegisterAsync("host-a");
        var endpoint = await Endpoints.CreateAsync(Join("n", hostId: "host-a"));
        await KillAsync(registration, "host-a");

        await reaper.SweepAsync(await SnapshotAsync());
        Assert.NotNull(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, endpoint.Id)));
        await reaper.SweepAsync(await SnapshotAsync());

        Assert.Null(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, endpoint.Id)));
        Assert.DoesNotContain(await KeysAsync(ClusterKeys.IpamPrefix(network.Id)), k => !k.EndsWith("/10.97.0.1", StringComparison.Ordinal));
    }
}
