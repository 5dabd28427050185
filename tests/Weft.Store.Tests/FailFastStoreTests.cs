using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Weft.Store.Tests.Infrastructure;

namespace Weft.Store.Tests;

/// <summary>
/// Issue 19: the agent's writes do not wait for a store known to be down, wait a few seconds at most for one that hangs,
/// and a write given up is never applied later by the embedded store.
/// </summary>
public sealed class FailFastStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task While_the_store_is_known_unreachable_a_write_fails_at_once_with_the_reason_and_reaches_nothing()
    {
        await using var inner = await ClusterStore.OpenAsync(_dir.SqliteUrl());
        var store = new FailFastClusterStore(inner, () => "it has not answered since 2026-12-06 10:00:00Z: paused");

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("/k", "v"u8.ToArray()));

        Assert.Contains("since 2026-12-06 10:00:00Z: paused", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Null(await inner.GetAsync("/k"));
    }

    [Fact]
    public async Task A_write_held_up_by_another_processs_lock_gives_up_at_the_deadline_and_is_rolled_back_when_the_lock_comes()
    {
        var url = _dir.SqliteUrl();
        await using var inner = await ClusterStore.OpenAsync(url); // busy timeout 30 s
        var store = new FailFastClusterStore(inner, () => null) { Deadline = TimeSpan.FromMilliseconds(500) };
        using var holder = new SqliteConnection($"Data Source={new Uri(url).AbsolutePath}");
        holder.Open();
        using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TxnAsync(Txn.If(Compare.Absent("/late")).Then(TxnOp.Put("/late", "x"u8.ToArray()))));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"gave up after {clock.Elapsed}");
        Assert.Contains("did not answer within 0.5 s", error.Message, StringComparison.Ordinal);

        using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }
        // The next write queues behind the abandoned one in the store's writer, so once it is done the other has ended too.
        await inner.PutAsync("/after", "y"u8.ToArray());
        Assert.Null(await inner.GetAsync("/late"));
        Assert.NotNull(await inner.GetAsync("/after"));
    }
}
