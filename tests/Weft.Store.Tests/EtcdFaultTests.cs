using System.Text;
using Weft.Store.Tests.Infrastructure;
using Weft.Testing;

namespace Weft.Store.Tests;

/// <summary>Crashes against a real etcd: each test owns its etcd, because it kills it.</summary>
public sealed class EtcdFaultTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Watch_reports_unavailable_across_a_SIGKILL_and_restart_and_loses_no_event()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var store = await ClusterStore.OpenAsync(etcd.StoreUrl, new ClusterStoreOptions { RequestTimeout = TimeSpan.FromSeconds(3) });
        var from = await store.PutAsync("/fault/w/start", B("s"));
        await using var watch = WatchProbe.Start(store, "/fault/w/", from);
        for (var i = 0; i < 5; i++) await store.PutAsync($"/fault/w/a{i}", B($"a{i}"));
        await watch.WaitForChangesAsync(6);
        // Written right before the crash: the watch may or may not have them yet; either way each must arrive once.
        for (var i = 5; i < 8; i++) await store.PutAsync($"/fault/w/a{i}", B($"a{i}"));

        await etcd.KillAsync();
        await watch.WaitAsync(e => e.Any(x => x.Kind == WatchEventKind.Unavailable), "an Unavailable event");
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("/fault/w/down", B("x")));

        await etcd.StartProcessAsync(); // same ports, same data dir
        await watch.WaitAsync(e => e.Any(x => x.Kind == WatchEventKind.Resumed), "a Resumed event");
        for (var i = 0; i < 5; i++) await store.PutAsync($"/fault/w/b{i}", B($"b{i}"));

        var events = await watch.WaitForChangesAsync(14);
        var changes = events.Where(e => e.IsChange).ToList();
        string[] expected = ["s", .. Enumerable.Range(0, 8).Select(i => $"a{i}"), .. Enumerable.Range(0, 5).Select(i => $"b{i}")];
        Assert.Equal(expected, changes.Select(e => Encoding.UTF8.GetString(e.Value)));
        Assert.Equal(changes.Select(e => e.Revision).Order(), changes.Select(e => e.Revision));
        Assert.Equal(changes.Count, changes.Select(e => e.Revision).Distinct().Count());

        // Unavailable comes after some a-events and before the first b-event; Resumed follows it.
        var kinds = events.Select(e => e.Kind).ToList();
        var unavailable = kinds.IndexOf(WatchEventKind.Unavailable);
        var resumed = kinds.IndexOf(WatchEventKind.Resumed);
        var firstB = events.FindIndex(e => e.Key == "/fault/w/b0");
        Assert.True(unavailable < resumed && resumed < firstB, string.Join(", ", kinds));
    }

    [Fact]
    public async Task Keys_of_a_SIGKILLed_lease_holder_disappear_after_the_ttl()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var store = await ClusterStore.OpenAsync(etcd.StoreUrl);
        await using var worker = Worker.Start("hold", etcd.StoreUrl, "/fault/hosts/worker", "2000");
        await worker.WaitForLineAsync("ready");
        var held = await store.GetAsync("/fault/hosts/worker");
        Assert.NotNull(held);
        Assert.NotEqual(0, held.Lease);

        await using var watch = WatchProbe.Start(store, "/fault/hosts/", held.ModRevision + 1);
        await worker.KillAsync();
        var events = await watch.WaitAsync(e => e.Any(x => x.Kind == WatchEventKind.Delete), "the lease's delete event");
        Assert.Equal("/fault/hosts/worker", events.Single(e => e.Kind == WatchEventKind.Delete).Key);
        Assert.Null(await store.GetAsync("/fault/hosts/worker"));
    }
}
