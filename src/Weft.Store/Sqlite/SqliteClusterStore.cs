namespace Weft.Store.Sqlite;

/// <summary>The public API on the embedded store; see <see cref="SqliteDatabase"/> for how the file is shared.</summary>
internal sealed class SqliteClusterStore : IClusterStore
{
    private readonly SqliteDatabase _database;
    private readonly SqliteChangeFeed _feed;
    private readonly SqliteMaintenance _maintenance;

    private SqliteClusterStore(SqliteDatabase database, ClusterStoreOptions options)
    {
        _database = database;
        _feed = new SqliteChangeFeed(database, options.WatchSafetyPoll);
        database.Committed += _feed.Notify;
        _maintenance = new SqliteMaintenance(database, _feed, options.LeaseSweepInterval, options.EventRetention);
    }

    public string Location => _database.Location;

    public static IClusterStore Open(StoreUrl url, ClusterStoreOptions options) =>
        new SqliteClusterStore(SqliteDatabase.Open(url, options), options);

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var k = KeyRange.Encode(key);
        return Task.FromResult(_database.Read(sql =>
        {
            using var reader = sql.Command("SELECT value, create_revision, mod_revision, version, lease FROM kv WHERE key = $k", ("$k", k)).ExecuteReader();
            return reader.Read() ? new KeyValue(key, (byte[])reader[0], reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)) : null;
        }));
    }

    public Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var start = KeyRange.Encode(prefix);
        var end = KeyRange.PrefixEnd(start);
        return Task.FromResult(_database.Read(sql =>
        {
            var revision = sql.Revision();
            var query = end is null
                ? "SELECT key, value, create_revision, mod_revision, version, lease FROM kv WHERE key >= $a ORDER BY key"
                : "SELECT key, value, create_revision, mod_revision, version, lease FROM kv WHERE key >= $a AND key < $b ORDER BY key";
            var items = new List<KeyValue>();
            using var reader = sql.Command(query, ("$a", start), ("$b", end)).ExecuteReader();
            while (reader.Read())
            {
                items.Add(new KeyValue(KeyRange.Decode((byte[])reader[0]), (byte[])reader[1],
                    reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
            return new ListResult(revision, items);
        }));
    }

    public Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long leaseId = 0, CancellationToken cancellationToken = default)
    {
        var k = KeyRange.Encode(key);
        var v = value.ToArray();
        return _database.WriteAsync(txn =>
        {
            txn.Put(k, v, leaseId);
            return txn.Revision;
        }, cancellationToken);
    }

    public Task<DeleteResult> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var k = KeyRange.Encode(key);
        return _database.WriteAsync(txn =>
        {
            var deleted = txn.Delete(k, null, single: true);
            return new DeleteResult(txn.Revision, deleted);
        }, cancellationToken);
    }

    public Task<DeleteResult> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var start = KeyRange.Encode(prefix);
        var end = KeyRange.PrefixEnd(start);
        return _database.WriteAsync(txn =>
        {
            var deleted = txn.Delete(start, end, single: false);
            return new DeleteResult(txn.Revision, deleted);
        }, cancellationToken);
    }

    public Task<TxnResult> TxnAsync(Txn txn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(txn);
        return _database.WriteAsync(w =>
        {
            var succeeded = txn.Compares.All(c => Holds(w, c));
            foreach (var op in succeeded ? txn.Success : txn.Failure)
            {
                switch (op)
                {
                    case TxnOp.PutOp put:
                        w.Put(KeyRange.Encode(put.Key), put.Value.ToArray(), put.LeaseId);
                        break;
                    case TxnOp.DeleteOp { IsPrefix: false } del:
                        w.Delete(KeyRange.Encode(del.Key), null, single: true);
                        break;
                    case TxnOp.DeleteOp del:
                        var start = KeyRange.Encode(del.Key);
                        w.Delete(start, KeyRange.PrefixEnd(start), single: false);
                        break;
                }
            }
            return new TxnResult(succeeded, w.Revision);
        }, cancellationToken);
    }

    /// <summary>etcd's rules: an absent key has version and mod revision 0, and never equals a value.</summary>
    private static bool Holds(SqliteWriteTxn txn, Compare compare)
    {
        var stored = txn.Read(KeyRange.Encode(compare.Key));
        return compare.Target switch
        {
            CompareTarget.Version => (stored?.Version ?? 0) == compare.Number,
            CompareTarget.ModRevision => (stored?.ModRevision ?? 0) == compare.Number,
            CompareTarget.CreateRevision => (stored?.CreateRevision ?? 0) == compare.Number,
            CompareTarget.Value => stored is { } s && s.Value.AsSpan().SequenceEqual(compare.Value.Span),
            _ => throw new ArgumentOutOfRangeException(nameof(compare), compare.Target, "unknown compare target"),
        };
    }

    public async Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        var ttlMs = (long)Math.Ceiling(ttl.TotalMilliseconds);
        var id = await _database.WriteAsync(txn => txn.GrantLease(ttlMs), cancellationToken);
        return new LeaseGrant(id, TimeSpan.FromMilliseconds(ttlMs));
    }

    public async Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        var ttl = await _database.WriteAsync(txn => txn.KeepAlive(leaseId), cancellationToken);
        return ttl == 0 ? throw new LeaseNotFoundException(Location, leaseId) : TimeSpan.FromMilliseconds(ttl);
    }

    public Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(txn => txn.RevokeLease(leaseId), cancellationToken);

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default) =>
        WatchStream.Run(new SqliteWatch(_database, _feed, prefix, fromRevision).RunAsync, cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(txn =>
        {
            txn.Compact(revision);
            return 0;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _maintenance.DisposeAsync();
        _feed.Dispose();
        _database.Dispose();
    }
}
