using Weft.Store.Tests.Infrastructure;

namespace Weft.Store.Tests;

/// <summary>The conformance suite against a real etcd, plus what only the etcd backend has (endpoints, failover).</summary>
public sealed class EtcdConformanceTests(EtcdFixture etcd) : StoreConformanceTests, IClassFixture<EtcdFixture>
{
    protected override Task<IClusterStore> OpenStoreAsync() => ClusterStore.OpenAsync(etcd.Server.StoreUrl);

    [Fact]
    public async Task Fails_over_from_a_dead_endpoint_to_a_live_one()
    {
        var dead = $"127.0.0.1:{FreePort()}";
        await using var store = await ClusterStore.OpenAsync($"etcd://{dead},127.0.0.1:{etcd.Server.ClientPort}");
        var rev = await store.PutAsync(P + "failover", B("ok"));
        Assert.Equal("ok", S((await store.GetAsync(P + "failover"))!.Value));
        await using var watch = WatchProbe.Start(store, P, rev);
        Assert.Single(await watch.WaitForChangesAsync(1));
    }

    [Fact]
    public async Task An_unreachable_etcd_gives_StoreUnavailableException_naming_the_url()
    {
        var url = $"etcd://127.0.0.1:{FreePort()}";
        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => ClusterStore.OpenAsync(url));
        Assert.Contains(url, ex.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
