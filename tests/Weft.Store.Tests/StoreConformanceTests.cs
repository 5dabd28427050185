using System.Text;
using Weft.Store.Tests.Infrastructure;

namespace Weft.Store.Tests;

/// <summary>
/// The behaviour every backend must share; one subclass per backend supplies a real store. Each test works under
/// its own random prefix so tests never see each other's keys.
/// </summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    private readonly List<IClusterStore> _opened = [];

    protected IClusterStore Store { get; private set; } = null!;

    /// <summary>A prefix no other test uses.</summary>
    protected string P { get; } = $"/t/{Guid.NewGuid():N}/";

    /// <summary>Opens another, independent client of the same store (another connection pool, another writer).</summary>
    protected abstract Task<IClusterStore> OpenStoreAsync();

    protected async Task<IClusterStore> OpenExtraAsync()
    {
        var store = await OpenStoreAsync();
        _opened.Add(store);
        return store;
    }

    public async Task InitializeAsync() => Store = await OpenExtraAsync();

    public async Task DisposeAsync()
    {
        foreach (var s in _opened) await s.DisposeAsync();
    }

    protected static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    protected static string S(byte[] b) => Encoding.UTF8.GetString(b);

    [Fact]
    public async Task Put_and_get_track_create_mod_revision_and_version()
    {
        var key = P + "k";
        Assert.Null(await Store.GetAsync(key));
        var r1 = await Store.PutAsync(key, B("one"));
        var first = await Store.GetAsync(key);
        Assert.NotNull(first);
        Assert.Equal(("one", r1, r1, 1L, 0L), (S(first.Value), first.CreateRevision, first.ModRevision, first.Version, first.Lease));

        var r2 = await Store.PutAsync(key, B("two"));
        Assert.True(r2 > r1, $"revision must grow: {r1} then {r2}");
        var second = await Store.GetAsync(key);
        Assert.Equal(("two", r1, r2, 2L), (S(second!.Value), second.CreateRevision, second.ModRevision, second.Version));

        var deleted = await Store.DeleteAsync(key);
        Assert.Equal(1, deleted.Deleted);
        Assert.True(deleted.Revision > r2);
        Assert.Null(await Store.GetAsync(key));
        var again = await Store.DeleteAsync(key);
        Assert.Equal(0, again.Deleted);

        var r3 = await Store.PutAsync(key, B("three"));
        var recreated = await Store.GetAsync(key);
        Assert.Equal((r3, 1L), (recreated!.CreateRevision, recreated.Version));
    }

    [Fact]
    public async Task Values_up_to_one_MiB_and_empty_values_round_trip()
    {
        var big = new byte[1024 * 1024];
        new Random(7).NextBytes(big);
        await Store.PutAsync(P + "big", big);
        await Store.PutAsync(P + "empty", ReadOnlyMemory<byte>.Empty);
        await Store.PutAsync(P + "unicode-ключ-🔑", B("ü"));

        Assert.Equal(big, (await Store.GetAsync(P + "big"))!.Value);
        Assert.Empty((await Store.GetAsync(P + "empty"))!.Value);
        var list = await Store.ListAsync(P);
        Assert.Equal([P + "big", P + "empty", P + "unicode-ключ-🔑"], list.Items.Select(i => i.Key));
        Assert.Equal(big, list.Items[0].Value);
        Assert.Equal("ü", S(list.Items[2].Value));
    }

    [Fact]
    public async Task Prefixes_are_isolated_for_list_delete_and_watch()
    {
        var from = await Store.PutAsync(P + "marker", B("m")) + 1;
        await using var watch = WatchProbe.Start(Store, P + "a/", from);
        foreach (var k in new[] { "a", "a/1", "a/2", "a/2/x", "ab", "a0", "b/1" })
            await Store.PutAsync(P + k, B(k));

        var list = await Store.ListAsync(P + "a/");
        Assert.Equal(["a/1", "a/2", "a/2/x"], list.Items.Select(i => i.Key[P.Length..]));

        var deleted = await Store.DeletePrefixAsync(P + "a/");
        Assert.Equal(3, deleted.Deleted);
        Assert.Equal(["a", "a0", "ab", "b/1", "marker"], (await Store.ListAsync(P)).Items.Select(i => i.Key[P.Length..]));

        var events = await watch.WaitForChangesAsync(6);
        Assert.Equal(
            ["Put a/1", "Put a/2", "Put a/2/x", "Delete a/1", "Delete a/2", "Delete a/2/x"],
            events.Where(e => e.IsChange).Select(e => $"{e.Kind} {e.Key[P.Length..]}"));
        // A prefix delete is one change: all three deletes carry the same revision.
        Assert.Single(events.Where(e => e.Kind == WatchEventKind.Delete).Select(e => e.Revision).Distinct());
    }

    [Fact]
    public async Task Lists_ten_thousand_keys_in_order_at_one_revision()
    {
        const int count = 10_000;
        long last = 0;
        // 100 puts per transaction: etcd allows 128 ops per txn, and it keeps the test fast on fsync-bound disks.
        for (var batch = 0; batch < count / 100; batch++)
        {
            var ops = Enumerable.Range(batch * 100, 100).Select(i => TxnOp.Put($"{P}key/{i:D5}", B($"v{i}"))).ToArray();
            last = (await Store.TxnAsync(Txn.If().Then(ops))).Revision;
        }
        var list = await Store.ListAsync(P + "key/");
        Assert.Equal(count, list.Items.Count);
        Assert.True(list.Revision >= last);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"{P}key/{i:D5}", list.Items[i].Key);
            Assert.Equal($"v{i}", S(list.Items[i].Value));
        }
    }

    [Fact]
    public async Task Txn_compares_absence_version_mod_revision_and_value()
    {
        var key = P + "ipam/10.0.0.5";
        var create = Txn.If(Compare.Absent(key)).Then(TxnOp.Put(key, B("host-a"))).Else(TxnOp.Put(P + "lost", B("host-b")));
        var won = await Store.TxnAsync(create);
        Assert.True(won.Succeeded);
        var lost = await Store.TxnAsync(create);
        Assert.False(lost.Succeeded);
        Assert.Equal("host-a", S((await Store.GetAsync(key))!.Value));
        Assert.Equal("host-b", S((await Store.GetAsync(P + "lost"))!.Value)); // the else branch ran

        var kv = (await Store.GetAsync(key))!;
        Assert.False((await Store.TxnAsync(Txn.If(Compare.VersionIs(key, 2)).Then(TxnOp.Delete(key)))).Succeeded);
        Assert.False((await Store.TxnAsync(Txn.If(Compare.ModRevisionIs(key, kv.ModRevision - 1)).Then(TxnOp.Delete(key)))).Succeeded);
        Assert.False((await Store.TxnAsync(Txn.If(Compare.ValueIs(key, B("host-b"))).Then(TxnOp.Delete(key)))).Succeeded);
        Assert.False((await Store.TxnAsync(Txn.If(Compare.ValueIs(P + "absent", B(""))).Then(TxnOp.Delete(key)))).Succeeded);
        Assert.NotNull(await Store.GetAsync(key));

        var both = await Store.TxnAsync(Txn.If(
                Compare.VersionIs(key, 1), Compare.ModRevisionIs(key, kv.ModRevision), Compare.ValueIs(key, B("host-a")), Compare.Absent(P + "other"))
            .Then(TxnOp.Put(key, B("host-c")), TxnOp.Put(P + "other", B("x")), TxnOp.DeletePrefix(P + "lost")));
        Assert.True(both.Succeeded);
        var after = (await Store.GetAsync(key))!;
        var other = (await Store.GetAsync(P + "other"))!;
        // One transaction, one revision for all its writes.
        Assert.Equal((both.Revision, both.Revision, 2L), (after.ModRevision, other.ModRevision, after.Version));
        Assert.Null(await Store.GetAsync(P + "lost"));

        // A transaction whose branch changes nothing does not move the revision.
        var idle = await Store.TxnAsync(Txn.If(Compare.Absent(key)).Then(TxnOp.Put(key, B("never"))));
        Assert.Equal(both.Revision, idle.Revision);

        // CreatedAt holds through later puts and fails once the key was deleted and made again.
        Assert.True((await Store.TxnAsync(Txn.If(Compare.CreatedAt(key, kv.CreateRevision)).Then(TxnOp.Put(P + "seen", B("1"))))).Succeeded);
        await Store.DeleteAsync(key);
        await Store.PutAsync(key, B("reborn"));
        Assert.False((await Store.TxnAsync(Txn.If(Compare.CreatedAt(key, kv.CreateRevision)).Then(TxnOp.Put(P + "seen", B("2"))))).Succeeded);
        Assert.False((await Store.TxnAsync(Txn.If(Compare.CreatedAt(P + "absent", kv.CreateRevision)).Then(TxnOp.Put(P + "seen", B("3"))))).Succeeded);
        Assert.Equal("1", S((await Store.GetAsync(P + "seen"))!.Value));
    }

    [Fact]
    public async Task Sixteen_concurrent_CAS_writers_exactly_one_wins_each_round()
    {
        const int writers = 16;
        const int rounds = 5;
        var key = P + "cas";
        await Store.PutAsync(key, B("start"));
        var clients = new IClusterStore[writers];
        for (var i = 0; i < writers; i++) clients[i] = await OpenExtraAsync();

        for (var round = 0; round < rounds; round++)
        {
            var current = (await Store.GetAsync(key))!;
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var attempts = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
            {
                await go.Task;
                var txn = Txn.If(Compare.ModRevisionIs(key, current.ModRevision)).Then(TxnOp.Put(key, B($"r{round}-w{i}")));
                return (Writer: i, Result: await clients[i].TxnAsync(txn));
            })).ToArray();
            go.SetResult();
            var results = await Task.WhenAll(attempts);
            var winners = results.Where(r => r.Result.Succeeded).ToArray();
            Assert.Single(winners);
            Assert.Equal($"r{round}-w{winners[0].Writer}", S((await Store.GetAsync(key))!.Value));
            Assert.Equal(round + 2L, (await Store.GetAsync(key))!.Version);
        }
    }

    [Fact]
    public async Task Watch_from_a_revision_delivers_history_then_live_changes_in_order_exactly_once()
    {
        var expected = new List<string>();
        var start = 0L;
        for (var i = 0; i < 10; i++)
        {
            var rev = await Store.PutAsync($"{P}w/{i % 3}", B($"h{i}"));
            if (start == 0) start = rev;
            expected.Add($"Put w/{i % 3}=h{i}@{rev}");
            await Store.PutAsync($"{P}elsewhere/{i}", B("noise"));
        }
        var del = await Store.DeleteAsync($"{P}w/0");
        expected.Add($"Delete w/0=@{del.Revision}");

        await using var watch = WatchProbe.Start(Store, P + "w/", start);
        var pair = await Store.TxnAsync(Txn.If().Then(TxnOp.Put($"{P}w/a", B("t1")), TxnOp.Put($"{P}w/b", B("t2"))));
        expected.Add($"Put w/a=t1@{pair.Revision}");
        expected.Add($"Put w/b=t2@{pair.Revision}");
        for (var i = 0; i < 10; i++)
        {
            var rev = await Store.PutAsync($"{P}w/live", B($"l{i}"));
            expected.Add($"Put w/live=l{i}@{rev}");
        }

        await watch.WaitForChangesAsync(expected.Count);
        // Settle briefly so a duplicate, if any, would show up in the list before we compare it.
        var marker = await Store.PutAsync($"{P}w/zz-marker", B("end"));
        expected.Add($"Put w/zz-marker=end@{marker}");
        var events = await watch.WaitForChangesAsync(expected.Count);
        Assert.Equal(expected, events.Where(e => e.IsChange).Select(e => $"{e.Kind} {e.Key[P.Length..]}={S(e.Value)}@{e.Revision}"));
        Assert.DoesNotContain(events, e => e.Kind is WatchEventKind.Compacted or WatchEventKind.Unavailable);
        // Only the last change of a revision ends it: a follower claiming the pair's revision after w/a would show half of it.
        Assert.Equal(expected.Select(x => !x.StartsWith("Put w/a=", StringComparison.Ordinal)), events.Where(e => e.IsChange).Select(e => e.EndsRevision));
    }

    [Fact]
    public async Task Watch_resumed_from_last_revision_plus_one_continues_without_gap_or_duplicate()
    {
        var from = await Store.PutAsync(P + "r/0", B("0"));
        var seen = new List<WatchEvent>();
        await using (var first = WatchProbe.Start(Store, P + "r/", from))
        {
            for (var i = 1; i < 5; i++) await Store.PutAsync($"{P}r/{i}", B($"{i}"));
            seen.AddRange((await first.WaitForChangesAsync(5)).Where(e => e.IsChange).Take(5));
        }
        // Disconnected: changes keep happening.
        for (var i = 5; i < 10; i++) await Store.PutAsync($"{P}r/{i}", B($"{i}"));

        await using var second = WatchProbe.Start(Store, P + "r/", seen[^1].Revision + 1);
        for (var i = 10; i < 12; i++) await Store.PutAsync($"{P}r/{i}", B($"{i}"));
        seen.AddRange((await second.WaitForChangesAsync(7)).Where(e => e.IsChange));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"{i}"), seen.Select(e => S(e.Value)));
        Assert.Equal(seen.Select(e => e.Revision).Order(), seen.Select(e => e.Revision));
    }

    [Fact]
    public async Task Lease_expiry_deletes_attached_keys_and_emits_delete_events()
    {
        var lease = await Store.GrantLeaseAsync(TimeSpan.FromSeconds(2));
        var from = await Store.PutAsync(P + "l/host-a", B("a"), lease.Id);
        await Store.PutAsync(P + "l/host-a/ep", B("ep"), lease.Id);
        await Store.PutAsync(P + "l/static", B("s"));
        Assert.Equal(lease.Id, (await Store.GetAsync(P + "l/host-a"))!.Lease);
        await using var watch = WatchProbe.Start(Store, P + "l/", from);

        var events = await watch.WaitAsync(e => e.Count(x => x.Kind == WatchEventKind.Delete) >= 2, "two lease deletes");
        Assert.Equal([P + "l/host-a", P + "l/host-a/ep"], events.Where(e => e.Kind == WatchEventKind.Delete).Select(e => e.Key).Order());
        Assert.Null(await Store.GetAsync(P + "l/host-a"));
        Assert.Null(await Store.GetAsync(P + "l/host-a/ep"));
        Assert.NotNull(await Store.GetAsync(P + "l/static"));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.KeepAliveAsync(lease.Id));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.PutAsync(P + "l/late", B("x"), lease.Id));
    }

    [Fact]
    public async Task Held_lease_outlives_its_ttl_and_disposing_it_revokes_the_keys()
    {
        var held = await Store.GrantHeldLeaseAsync(TimeSpan.FromSeconds(2));
        await Store.PutAsync(P + "held", B("x"), held.Id);
        await Task.Delay(TimeSpan.FromSeconds(4.5)); // over two TTLs: only keep-alives can explain the key surviving
        Assert.NotNull(await Store.GetAsync(P + "held"));
        Assert.False(held.Lost.IsCancellationRequested);

        await held.DisposeAsync();
        Assert.Null(await Store.GetAsync(P + "held"));
        Assert.False(await Store.RevokeLeaseAsync(held.Id));
    }

    [Fact]
    public async Task Unknown_leases_are_reported_as_not_found()
    {
        var ex = await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.PutAsync(P + "x", B("x"), 0x5eed));
        Assert.Equal(0x5eed, ex.LeaseId);
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.KeepAliveAsync(0x5eed));
        Assert.False(await Store.RevokeLeaseAsync(0x5eed));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() =>
            Store.TxnAsync(Txn.If().Then(TxnOp.Put(P + "y", B("y"), 0x5eed))));
    }

    [Fact]
    public async Task Compaction_past_a_watch_revision_signals_relist_instead_of_a_gap()
    {
        var from = await Store.PutAsync(P + "c/1", B("1"));
        await Store.PutAsync(P + "c/2", B("2"));
        var head = await Store.PutAsync(P + "c/3", B("3"));
        await Store.CompactAsync(head);
        await Store.CompactAsync(head); // compacting again is harmless

        await using var stale = WatchProbe.Start(Store, P + "c/", from);
        var events = await stale.WaitAsync(_ => stale.Completed, "the watch to end after Compacted");
        var only = Assert.Single(events);
        Assert.Equal(WatchEventKind.Compacted, only.Kind);
        Assert.Equal(head, only.Revision);

        // The recovery the signal asks for: re-list, then watch from the listing's revision + 1.
        var list = await Store.ListAsync(P + "c/");
        Assert.Equal(3, list.Items.Count);
        await using var fresh = WatchProbe.Start(Store, P + "c/", list.Revision + 1);
        var next = await Store.PutAsync(P + "c/4", B("4"));
        var change = Assert.Single(await fresh.WaitForChangesAsync(1));
        Assert.Equal((P + "c/4", next), (change.Key, change.Revision));
    }
}
