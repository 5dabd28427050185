using Weft.Cluster.Tests.Infrastructure;

namespace Weft.Cluster.Tests;

public sealed class ClusterViewTests_Etcd(EtcdFixture etcd) : ClusterViewTests(new EtcdBackend(etcd)), IClassFixture<EtcdFixture>;

public sealed class ClusterViewTests_Sqlite() : ClusterViewTests(new SqliteBackend());

/// <summary>One watch per agent: what the catalogs write shows up in the view, and the view recovers from compaction.</summary>
public abstract class ClusterViewTests(IStoreBackend backend) : ClusterTestBase(backend)
{
    /// <summary>The view holds exactly what a fresh listing of the store holds.</summary>
    private static bool SameAs(ClusterSnapshot view, ClusterSnapshot store) =>
        view.Networks.Keys.Order().SequenceEqual(store.Networks.Keys.Order())
        && view.Networks.All(kv => store.Networks.TryGetValue(kv.Key, out var n) && n.Id == kv.Value.Id)
        && view.Endpoints.Keys.Order().SequenceEqual(store.Endpoints.Keys.Order())
        && view.Endpoints.All(kv => Equals(store.Endpoints[kv.Key].Address, kv.Value.Address))
        && view.Sandboxes.Keys.Order().SequenceEqual(store.Sandboxes.Keys.Order())
        && view.Sandboxes.All(kv => store.Sandboxes[kv.Key].Id == kv.Value.Id)
        && view.LiveHosts.Keys.Order().SequenceEqual(store.LiveHosts.Keys.Order())
        && view.KnownHosts.Keys.Order().SequenceEqual(store.KnownHosts.Keys.Order());

    [Fact]
    public async Task Changes_made_through_the_catalogs_appear_in_the_view()
    {
        var view = await StartViewAsync();
        var version = view.Version;

        var blue = await Networks.CreateAsync(Overlay("blue", "10.90.0.0/24"));
        var endpoint = await Endpoints.CreateAsync(Join("blue", name: "web"));
        var sandbox = Sandbox("web", "host-a");
        await Sandboxes.CreateAsync(sandbox, []);
        await RegisterAsync("host-a");

        await EventuallyAsync(() =>
            view.Current.Networks.ContainsKey("blue") && view.Current.Endpoints.ContainsKey(endpoint.Id)
            && view.Current.Sandboxes.ContainsKey("web") && view.Current.IsAlive("host-a") && view.Current.KnownHosts.ContainsKey("host-a"),
            "network, endpoint, sandbox and host in the view");
        var current = view.Current;
        Assert.True(view.Version > version);
        Assert.Equal(blue.Id, current.Networks["blue"].Id);
        Assert.Equal(blue.Vni, current.NetworkById(blue.Id)!.Vni);
        Assert.Equal(endpoint.Address, Assert.Single(current.EndpointsOf(blue.Id)).Address);
        Assert.Equal(sandbox.Id, current.SandboxById(sandbox.Id)!.Id);
        Assert.Equal("name-host-a", current.HostName("host-a"));

        var seen = view.Version;
        await Endpoints.RemoveAsync(endpoint);
        await Sandboxes.RemoveAsync("web", sandbox.Id, []);
        await Networks.RemoveAsync("blue", force: false);

        await EventuallyAsync(() => view.Current.Networks.IsEmpty && view.Current.Endpoints.IsEmpty && view.Current.Sandboxes.IsEmpty,
            "removals in the view");
        Assert.True(view.Version > seen);
        await EventuallyAsync(async () => SameAs(view.Current, await SnapshotAsync()), "view equal to a fresh listing");
    }

    [Fact]
    public async Task A_compaction_past_the_views_revision_still_converges_on_the_stores_state()
    {
        await Networks.CreateAsync(Overlay("before", "10.91.0.0/24"));
        var gated = new GatedWatchStore(await OpenClientAsync());
        var view = await StartViewAsync(gated);
        Assert.True(view.Current.Networks.ContainsKey("before"));
        await EventuallyAsync(() => gated.Watches > 0, "view asked to watch");
        var listedAt = view.Current.Revision;

        // While the view is between its listing and its watch: change everything, then compact past the listing.
        await Networks.RemoveAsync("before", force: false);
        await Networks.CreateAsync(Overlay("after", "10.92.0.0/24"));
        var endpoint = await Endpoints.CreateAsync(Join("after"));
        var sandbox = Sandbox("web", "host-a");
        await Sandboxes.CreateAsync(sandbox, []);
        var last = await Store.PutAsync("/weft/v1/unrelated", "x"u8.ToArray());
        await Store.CompactAsync(last);
        Assert.True(last > listedAt + 1);
        var version = view.Version;

        gated.Open();

        await EventuallyAsync(() =>
            !view.Current.Networks.ContainsKey("before") && view.Current.Networks.ContainsKey("after")
            && view.Current.Endpoints.ContainsKey(endpoint.Id) && view.Current.Sandboxes.ContainsKey("web"),
            "view caught up after the compaction");
        Assert.True(view.Version > version);
        Assert.True(view.Current.Revision >= last);
        Assert.True(gated.Lists >= 2, "the view re-listed");
        Assert.True(SameAs(view.Current, await SnapshotAsync()));

        // And it keeps following changes afterwards.
        await Endpoints.RemoveAsync(endpoint);
        await EventuallyAsync(() => view.Current.Endpoints.IsEmpty, "removal after the re-list");
    }

    [Fact]
    public async Task A_record_that_does_not_parse_is_skipped_and_the_rest_is_still_seen()
    {
        await Store.PutAsync(ClusterKeys.Network("broken"), "{not json"u8.ToArray());
        var view = await StartViewAsync();
        await Networks.CreateAsync(Overlay("fine", "10.93.0.0/24"));

        await EventuallyAsync(() => view.Current.Networks.ContainsKey("fine"), "the good network");
        Assert.False(view.Current.Networks.ContainsKey("broken"));
    }

    [Fact]
    public async Task WaitForChangeAsync_completes_when_something_changes()
    {
        var view = await StartViewAsync();
        var seen = view.Version;
        var wait = view.WaitForChangeAsync(seen, CancellationToken.None);

        await Networks.CreateAsync(Overlay("blue", "10.94.0.0/24"));

        await wait.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(view.Version > seen);
        Assert.True(view.WaitForChangeAsync(seen, CancellationToken.None).IsCompleted);
    }
}
