using System.Runtime.CompilerServices;

namespace Weft.Store;

/// <summary>
/// A store seen under a key prefix of its own (<c>weft agent --store-prefix /prod</c>): every key the caller names is
/// stored as PREFIX + key, and every key handed back (reads, listings, watch events) has the prefix removed again. Two
/// Weft clusters with different prefixes can therefore share one etcd (or one SQLite file) and never see each other's
/// keys; the layers above, down to the keys of Weft.Cluster, do not know a prefix exists.
/// </summary>
/// <remarks>
/// Revisions and leases are the store's own and shared: a revision counts every write under every prefix, and leases
/// have no keys of their own. Compaction is store-wide; Weft never compacts etcd itself (etcd's own auto-compaction
/// does), and the embedded store compacts only its event log by a revision window.
/// </remarks>
public sealed class PrefixedClusterStore : IClusterStore
{
    private readonly IClusterStore _inner;

    public PrefixedClusterStore(IClusterStore inner, string prefix)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        Prefix = Validate(prefix);
    }

    /// <summary>The prefix every key gets, e.g. <c>/prod</c>.</summary>
    public string Prefix { get; }

    public string Location => $"{_inner.Location} (prefix {Prefix})";

    /// <summary>
    /// A prefix is <c>/</c> followed by path segments of letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, with no
    /// empty segment and no trailing <c>/</c> (Weft's own keys start with one): <c>/prod</c>, <c>/teams/blue</c>.
    /// </summary>
    public static string Validate(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var segments = prefix.Split('/');
        if (prefix.Length < 2 || prefix[0] != '/' || segments.Skip(1).Any(s => s.Length == 0 || s is "." or ".." || !s.All(IsAllowed)))
        {
            throw new ArgumentException(
                $"store prefix '{prefix}' must be / followed by segments of letters, digits, '.', '_' and '-', with no trailing /, as in /prod or /teams/blue",
                nameof(prefix));
        }
        return prefix;

        static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
    }

    private string Wrap(string key) => Prefix + key;

    private string Unwrap(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..]
        : throw new StoreException(Location, $"the store returned key '{key}' outside prefix {Prefix}");

    private KeyValue Unwrap(KeyValue kv) => kv with { Key = Unwrap(kv.Key) };

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        await _inner.GetAsync(Wrap(key), cancellationToken) is { } kv ? Unwrap(kv) : null;

    public async Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var listing = await _inner.ListAsync(Wrap(prefix), cancellationToken);
        return listing with { Items = [.. listing.Items.Select(Unwrap)] };
    }

    public Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long leaseId = 0, CancellationToken cancellationToken = default) =>
        _inner.PutAsync(Wrap(key), value, leaseId, cancellationToken);

    public Task<DeleteResult> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        _inner.DeleteAsync(Wrap(key), cancellationToken);

    public Task<DeleteResult> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        _inner.DeletePrefixAsync(Wrap(prefix), cancellationToken);

    public Task<TxnResult> TxnAsync(Txn txn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(txn);
        return _inner.TxnAsync(new Txn(
            [.. txn.Compares.Select(c => c with { Key = Wrap(c.Key) })],
            [.. txn.Success.Select(Wrap)],
            [.. txn.Failure.Select(Wrap)]), cancellationToken);
    }

    private TxnOp Wrap(TxnOp op) => op switch
    {
        TxnOp.PutOp put => put with { Key = Wrap(put.Key) },
        TxnOp.DeleteOp del => del with { Key = Wrap(del.Key) },
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown transaction op"),
    };

    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) => _inner.GrantLeaseAsync(ttl, cancellationToken);

    public Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default) => _inner.KeepAliveAsync(leaseId, cancellationToken);

    public Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default) => _inner.RevokeLeaseAsync(leaseId, cancellationToken);

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in _inner.WatchAsync(Wrap(prefix), fromRevision, cancellationToken))
        {
            // Compacted, Unavailable and Resumed carry no key.
            yield return e.IsChange ? e with { Key = Unwrap(e.Key) } : e;
        }
    }

    public Task<StoreClockSample?> SampleClockAsync(CancellationToken cancellationToken = default) => _inner.SampleClockAsync(cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken = default) => _inner.CompactAsync(revision, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
