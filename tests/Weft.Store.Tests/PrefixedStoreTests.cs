using Weft.Store.Tests.Infrastructure;

namespace Weft.Store.Tests;

/// <summary>The whole conformance suite through `--store-prefix`: a prefixed store is a store like any other.</summary>
public sealed class PrefixedEtcdConformanceTests(EtcdFixture etcd) : StoreConformanceTests, IClassFixture<EtcdFixture>
{
    protected override Task<IClusterStore> OpenStoreAsync() =>
        ClusterStore.OpenAsync(etcd.Server.StoreUrl, new ClusterStoreOptions { KeyPrefix = "/cluster-a" });
}

/// <summary>The same on the embedded store.</summary>
public sealed class PrefixedSqliteConformanceTests : StoreConformanceTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<IClusterStore> OpenStoreAsync() => ClusterStore.OpenAsync(_dir.SqliteUrl(), new ClusterStoreOptions { KeyPrefix = "/cluster-a" });

    public void Dispose() => _dir.Dispose();
}

/// <summary>Two clusters under different prefixes on one etcd see nothing of each other.</summary>
public sealed class EtcdPrefixIsolationTests(EtcdFixture etcd) : PrefixIsolationTests, IClassFixture<EtcdFixture>
{
    protected override string Url => etcd.Server.StoreUrl;
}

/// <summary>The same on one SQLite file.</summary>
public sealed class SqlitePrefixIsolationTests : PrefixIsolationTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override string Url => _dir.SqliteUrl();

    public void Dispose() => _dir.Dispose();
}

public abstract class PrefixIsolationTests : IAsyncLifetime
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private IClusterStore _raw = null!;
    private IClusterStore _blue = null!;
    private IClusterStore _green = null!;

    protected abstract string Url { get; }

    private string Blue => $"/wtt-{_run}/blue";

    private string Green => $"/wtt-{_run}/green";

    public async Task InitializeAsync()
    {
        _raw = await ClusterStore.OpenAsync(Url);
        _blue = await ClusterStore.OpenAsync(Url, new ClusterStoreOptions { KeyPrefix = Blue });
        _green = await ClusterStore.OpenAsync(Url, new ClusterStoreOptions { KeyPrefix = Green });
    }

    public async Task DisposeAsync()
    {
        await _raw.DeletePrefixAsync($"/wtt-{_run}/");
        await _green.DisposeAsync();
        await _blue.DisposeAsync();
        await _raw.DisposeAsync();
    }

    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Keys_are_stored_under_the_prefix_and_handed_back_without_it()
    {
        var rev = await _blue.PutAsync("/weft/v1/networks/a", B("blue"));
        var raw = await _raw.GetAsync(Blue + "/weft/v1/networks/a");
        Assert.Equal("blue", System.Text.Encoding.UTF8.GetString(raw!.Value));
        var listing = await _blue.ListAsync("/weft/v1/");
        Assert.Equal(["/weft/v1/networks/a"], listing.Items.Select(i => i.Key));
        Assert.Equal(rev, listing.Items[0].ModRevision);
        Assert.Contains("prefix " + Blue, _blue.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_clusters_with_the_same_keys_never_see_each_other()
    {
        await _blue.PutAsync("/weft/v1/networks/a", B("blue"));
        await _green.PutAsync("/weft/v1/networks/a", B("green"));
        await _green.PutAsync("/weft/v1/networks/b", B("green"));

        Assert.Equal("blue", System.Text.Encoding.UTF8.GetString((await _blue.GetAsync("/weft/v1/networks/a"))!.Value));
        Assert.Equal(["/weft/v1/networks/a"], (await _blue.ListAsync("/weft/v1/")).Items.Select(i => i.Key));
        Assert.Null(await _blue.GetAsync("/weft/v1/networks/b"));

        // A compare sees only its own cluster's key: /b is absent for blue though green has it.
        var txn = await _blue.TxnAsync(Txn.If(Compare.Absent("/weft/v1/networks/b")).Then(TxnOp.Put("/weft/v1/networks/b", B("blue"))));
        Assert.True(txn.Succeeded);
        Assert.Equal("green", System.Text.Encoding.UTF8.GetString((await _green.GetAsync("/weft/v1/networks/b"))!.Value));

        // Deleting everything of one cluster leaves the other whole.
        var deleted = await _blue.DeletePrefixAsync("/");
        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(2, (await _green.ListAsync("/weft/v1/")).Items.Count);
    }

    [Fact]
    public async Task A_watch_follows_its_own_cluster_only_with_keys_unprefixed()
    {
        var from = await _raw.PutAsync($"/wtt-{_run}/start", B("0"));
        await using var blueWatch = WatchProbe.Start(_blue, "/weft/v1/", from);
        await _green.PutAsync("/weft/v1/hosts/g", B("green"));
        await _blue.PutAsync("/weft/v1/hosts/b", B("blue"));
        await _blue.DeleteAsync("/weft/v1/hosts/b");
        var events = await blueWatch.WaitForChangesAsync(2);
        Assert.Equal([(WatchEventKind.Put, "/weft/v1/hosts/b"), (WatchEventKind.Delete, "/weft/v1/hosts/b")], events.Select(e => (e.Kind, e.Key)));
    }

    [Theory]
    [InlineData("prod")]
    [InlineData("/prod/")]
    [InlineData("/")]
    [InlineData("//prod")]
    [InlineData("/pr od")]
    [InlineData("/a/../b")]
    public async Task A_malformed_prefix_is_refused_before_the_store_is_opened(string prefix)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => ClusterStore.OpenAsync(Url, new ClusterStoreOptions { KeyPrefix = prefix }));
        Assert.Contains($"'{prefix}'", e.Message, StringComparison.Ordinal);
    }
}
