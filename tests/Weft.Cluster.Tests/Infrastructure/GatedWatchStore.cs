using System.Runtime.CompilerServices;
using Weft.Store;

namespace Weft.Cluster.Tests.Infrastructure;

/// <summary>
/// A store whose watches start only when the test opens the gate: the test can change and compact the store while a
/// view is between its listing and its watch, which is how a view falls behind a compaction for real.
/// </summary>
public sealed class GatedWatchStore(IClusterStore inner) : IClusterStore
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _lists;
    private int _watches;

    public int Lists => Volatile.Read(ref _lists);

    /// <summary>Watches that asked to start, whether or not the gate let them.</summary>
    public int Watches => Volatile.Read(ref _watches);

    public void Open() => _gate.TrySetResult();

    public string Location => inner.Location;

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _lists);
        return inner.ListAsync(prefix, cancellationToken);
    }

    public Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long leaseId = 0, CancellationToken cancellationToken = default) =>
        inner.PutAsync(key, value, leaseId, cancellationToken);

    public Task<DeleteResult> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task<DeleteResult> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) => inner.DeletePrefixAsync(prefix, cancellationToken);

    public Task<TxnResult> TxnAsync(Txn txn, CancellationToken cancellationToken = default) => inner.TxnAsync(txn, cancellationToken);

    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) => inner.GrantLeaseAsync(ttl, cancellationToken);

    public Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default) => inner.KeepAliveAsync(leaseId, cancellationToken);

    public Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default) => inner.RevokeLeaseAsync(leaseId, cancellationToken);

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _watches);
        await _gate.Task.WaitAsync(cancellationToken);
        await foreach (var e in inner.WatchAsync(prefix, fromRevision, cancellationToken))
        {
            yield return e;
        }
    }

    public Task CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
