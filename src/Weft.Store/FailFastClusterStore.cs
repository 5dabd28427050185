using System.Runtime.CompilerServices;

namespace Weft.Store;

/// <summary>
/// The store as the agent's operations use it (issue 19): while the store is known to be unreachable
/// (<paramref name="unreachable"/> gives why, null while it answers) every request fails at once with
/// <see cref="StoreUnavailableException"/> instead of waiting for the store's own timeout (etcd 5 s, SQLite's busy
/// timeout 30 s); and a request made before anyone noticed waits at most <see cref="Deadline"/>.
/// </summary>
/// <remarks>
/// A request given up at the deadline is cancelled, not merely abandoned: the embedded store rolls back a transaction
/// whose caller gave up even if it gets the write lock later (<c>SqliteDatabase.WriteAsync</c>). An etcd request already
/// sent may still be applied when etcd wakes up; callers treat the outcome as unknown and undo by ids (intents, and
/// <c>NetworkCatalog</c>'s undo of a network create). Watches, compaction and the clock sample pass through: the watch is
/// how the store is found reachable again. The agent's own health checks (the probe, the lease keep-alive) use the
/// store underneath, never this one, or they could never find it answering again.
/// </remarks>
public sealed class FailFastClusterStore(IClusterStore inner, Func<string?> unreachable) : IClusterStore
{
    /// <summary>The longest one request waits for an answer. A few seconds: a healthy store answers in milliseconds.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(3);

    public string Location => inner.Location;

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.GetAsync(key, ct), cancellationToken);

    public Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.ListAsync(prefix, ct), cancellationToken);

    public Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long leaseId = 0, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.PutAsync(key, value, leaseId, ct), cancellationToken);

    public Task<DeleteResult> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.DeleteAsync(key, ct), cancellationToken);

    public Task<DeleteResult> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.DeletePrefixAsync(prefix, ct), cancellationToken);

    public Task<TxnResult> TxnAsync(Txn txn, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.TxnAsync(txn, ct), cancellationToken);

    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.GrantLeaseAsync(ttl, ct), cancellationToken);

    public Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.KeepAliveAsync(leaseId, ct), cancellationToken);

    public Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default) =>
        BoundAsync(ct => inner.RevokeLeaseAsync(leaseId, ct), cancellationToken);

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default) =>
        inner.WatchAsync(prefix, fromRevision, cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

    public Task<StoreClockSample?> SampleClockAsync(CancellationToken cancellationToken = default) => inner.SampleClockAsync(cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the store underneath belongs to whoever opened it

    private async Task<T> BoundAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        if (unreachable() is { } why)
        {
            throw new StoreUnavailableException(Location, why);
        }
        var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        giveUp.CancelAfter(Deadline);
        // On a thread of its own: the embedded store waits for another process's write lock inside the call.
        var pending = Task.Run(() => call(giveUp.Token), CancellationToken.None);
        _ = pending.ContinueWith(_ => giveUp.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            return await pending.WaitAsync(Deadline, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is TimeoutException or OperationCanceledException)
        {
            throw new StoreUnavailableException(Location,
                $"the store did not answer within {Deadline.TotalSeconds:0.#} s ({operation.Replace("Async", "", StringComparison.Ordinal).ToLowerInvariant()})", e);
        }
    }
}
