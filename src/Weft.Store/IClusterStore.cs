namespace Weft.Store;

/// <summary>
/// The cluster store as the agent sees it: a revisioned key-value map with transactions, leases and watches.
/// The shape follows etcd v3 because it is the strictest backend; the embedded SQLite store implements the same
/// semantics so the agent never needs to know which one it talks to.
/// </summary>
/// <remarks>
/// Keys are strings (compared as UTF-8 bytes), values are bytes. Every write that changes something moves the store
/// revision forward by one; all changes of one transaction share that revision.
/// </remarks>
public interface IClusterStore : IAsyncDisposable
{
    /// <summary>The URL this store was opened with, with any password removed; safe to log.</summary>
    string Location { get; }

    /// <summary>Reads one key; null when it does not exist.</summary>
    Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads every key that starts with <paramref name="prefix"/>, in key order, as of one revision.</summary>
    Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Writes a key, optionally attached to a lease (0 = none). Returns the revision of the write.</summary>
    /// <exception cref="LeaseNotFoundException">The lease does not exist (it expired or was revoked).</exception>
    Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long leaseId = 0, CancellationToken cancellationToken = default);

    /// <summary>Deletes one key.</summary>
    Task<DeleteResult> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes every key that starts with <paramref name="prefix"/>, in one revision.</summary>
    Task<DeleteResult> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Evaluates the compares atomically and applies the success or the failure branch.</summary>
    Task<TxnResult> TxnAsync(Txn txn, CancellationToken cancellationToken = default);

    /// <summary>Creates a lease that expires <paramref name="ttl"/> after its last keep-alive.</summary>
    Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Restarts the lease's countdown; returns its TTL.</summary>
    /// <exception cref="LeaseNotFoundException">The lease already expired or was revoked.</exception>
    Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default);

    /// <summary>Ends a lease now and deletes its keys. Returns false when it did not exist (revoking is idempotent).</summary>
    Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams changes under <paramref name="prefix"/> with revision ≥ <paramref name="fromRevision"/> (0 = from now),
    /// in revision order, each exactly once. Never ends by itself except after a <see cref="WatchEventKind.Compacted"/>
    /// event; reports <see cref="WatchEventKind.Unavailable"/> / <see cref="WatchEventKind.Resumed"/> around outages
    /// while it keeps retrying.
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default);

    /// <summary>Discards history before <paramref name="revision"/>. Watches that still need it get a Compacted event.</summary>
    Task CompactAsync(long revision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the store server's clock, for `weft doctor`'s skew check; null for a store that has no clock apart from
    /// this host's (the embedded store is a file on this machine).
    /// </summary>
    Task<StoreClockSample?> SampleClockAsync(CancellationToken cancellationToken = default) => Task.FromResult<StoreClockSample?>(null);
}
