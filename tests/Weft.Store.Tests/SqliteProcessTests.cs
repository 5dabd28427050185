using System.Buffers.Binary;
using System.Text;
using Weft.Store.Tests.Infrastructure;

namespace Weft.Store.Tests;

/// <summary>The embedded store shared by real OS processes, and what happens when one of them dies.</summary>
public sealed class SqliteProcessTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Four_processes_each_incrementing_500_times_by_CAS_reach_exactly_2000()
    {
        var url = _dir.SqliteUrl();
        // Create the file first so the workers race on increments, not on schema creation.
        await using (var store = await ClusterStore.OpenAsync(url)) { }

        var workers = Enumerable.Range(0, 4).Select(_ => Worker.Start("cas", url, "/counter", "500")).ToList();
        try
        {
            foreach (var w in workers)
            {
                Assert.Equal(0, await w.WaitForExitAsync());
                await w.WaitForLineAsync("done");
            }
        }
        finally
        {
            foreach (var w in workers) await w.DisposeAsync();
        }

        await using var check = await ClusterStore.OpenAsync(url);
        var counter = await check.GetAsync("/counter");
        Assert.NotNull(counter);
        Assert.Equal(2000, BinaryPrimitives.ReadInt64BigEndian(counter.Value));
        Assert.Equal(2000, counter.Version);
    }

    [Fact]
    public async Task A_store_file_deleted_under_an_open_store_is_reported_and_never_recreated()
    {
        var url = _dir.SqliteUrl();
        var path = new Uri(url).AbsolutePath;
        await using var store = await ClusterStore.OpenAsync(url);
        var revision = await store.PutAsync("/k", "v"u8.ToArray());
        await using var watch = WatchProbe.Start(store, "/", revision + 1);
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }

        // The watch says so (inotify sees the delete; the safety poll would within a second), and so does every call.
        var events = await watch.WaitAsync(e => e.Any(x => x.Kind == WatchEventKind.Unavailable), "the watch reports the deleted file", timeoutSeconds: 3);
        Assert.Contains("was deleted while this process had it open", events.First(x => x.Kind == WatchEventKind.Unavailable).Reason, StringComparison.Ordinal);
        var put = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("/k", "w"u8.ToArray()));
        Assert.Contains(path, put.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("/k"));
        // Nothing of this process opened the path again, which would have made an empty store there for others to find.
        await Task.Delay(1500);
        Assert.False(File.Exists(path), "the store made a new file at the deleted path");
    }

    [Fact]
    public async Task Keys_of_a_SIGKILLed_lease_holder_are_expired_by_another_process()
    {
        var url = _dir.SqliteUrl();
        await using var store = await ClusterStore.OpenAsync(url);
        await using var worker = Worker.Start("hold", url, "/hosts/worker", "2000");
        await worker.WaitForLineAsync("ready");
        var held = await store.GetAsync("/hosts/worker");
        Assert.NotNull(held);
        Assert.NotEqual(0, held.Lease);

        await using var watch = WatchProbe.Start(store, "/hosts/", held.ModRevision + 1);
        await worker.KillAsync();
        var events = await watch.WaitAsync(e => e.Any(x => x.Kind == WatchEventKind.Delete), "the lease's delete event");
        Assert.Equal("/hosts/worker", events.Single(e => e.Kind == WatchEventKind.Delete).Key);
        Assert.Null(await store.GetAsync("/hosts/worker"));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => store.KeepAliveAsync(held.Lease));
    }

    [Fact]
    public async Task A_watch_sees_commits_made_by_another_store_instance()
    {
        var url = _dir.SqliteUrl();
        await using var reader = await ClusterStore.OpenAsync(url);
        await using var writer = await ClusterStore.OpenAsync(url);
        var from = await writer.PutAsync("/x/0", Encoding.UTF8.GetBytes("0"));
        await using var watch = WatchProbe.Start(reader, "/x/", from);
        for (var i = 1; i < 20; i++) await writer.PutAsync($"/x/{i}", Encoding.UTF8.GetBytes($"{i}"));
        var events = await watch.WaitForChangesAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"/x/{i}"), events.Select(e => e.Key));
    }

    [Fact]
    public async Task The_event_log_is_compacted_to_its_retention_window_and_old_watches_are_told()
    {
        var url = _dir.SqliteUrl();
        await using var store = await ClusterStore.OpenAsync(url, new ClusterStoreOptions { EventRetention = 10, LeaseSweepInterval = TimeSpan.FromMilliseconds(50) });
        var first = await store.PutAsync("/r/0", Encoding.UTF8.GetBytes("0"));
        long head = 0;
        for (var i = 1; i < 40; i++) head = await store.PutAsync($"/r/{i}", Encoding.UTF8.GetBytes($"{i}"));

        // Maintenance runs on a timer; wait (generously) until a watch from the first revision is refused.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        WatchEvent? signal = null;
        while (signal is null && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await using var watch = WatchProbe.Start(store, "/r/", first);
            var events = await watch.WaitAsync(e => e.Count > 0, "a first event");
            if (events[0].Kind == WatchEventKind.Compacted) signal = events[0];
            else await Task.Delay(100);
        }
        Assert.NotNull(signal);
        Assert.InRange(signal.Revision, first + 1, head - 9);

        // The window itself is still served.
        await using var recent = WatchProbe.Start(store, "/r/", head - 5);
        var tail = await recent.WaitForChangesAsync(6);
        Assert.Equal(Enumerable.Range(34, 6).Select(i => $"/r/{i}"), tail.Select(e => e.Key));
    }

    [Fact]
    public async Task A_missing_directory_gives_StoreUnavailableException_naming_the_url()
    {
        var url = "sqlite://" + Path.Combine(_dir.Path, "no-such-dir", "store.db");
        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => ClusterStore.OpenAsync(url));
        Assert.Contains(url, ex.Message, StringComparison.Ordinal);
    }
}
