using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>A key's stored state, as compares and puts need it.</summary>
internal readonly record struct StoredKey(byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);

/// <summary>
/// One write transaction (BEGIN IMMEDIATE … COMMIT) and the mutations that may run inside it. Each logical change
/// set takes the next revision lazily, so a transaction that changes nothing does not move the revision (as in etcd),
/// and every change writes its event row in the same transaction as the data, so watches can never miss one.
/// </summary>
internal sealed class SqliteWriteTxn : IDisposable
{
    internal const int KindPut = 0;
    internal const int KindDelete = 1;

    private readonly SqliteStatements _sql;
    private readonly SqliteTransaction _transaction;
    private readonly string _location;
    private long _initial;
    private long _revision;
    private long? _pending;
    private bool _done;

    private SqliteWriteTxn(SqliteStatements sql, SqliteTransaction transaction, string location)
    {
        _sql = sql;
        _transaction = transaction;
        _location = location;
        NowMs = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>Wall-clock time shared by every process on the machine; lease deadlines are in this unit.</summary>
    public long NowMs { get; }

    /// <summary>The store revision as of the end of what was applied so far.</summary>
    public long Revision => _pending ?? _revision;

    public static SqliteWriteTxn Begin(SqliteStatements sql, string location)
    {
        var txn = new SqliteWriteTxn(sql, sql.Begin(immediate: true), location);
        try
        {
            txn._revision = txn._initial = sql.Revision();
            // Expired leases are reaped before anything else, so a compare such as Absent() never sees a key whose
            // lease already ran out just because no sweeper got to it yet.
            txn.ExpireLeases();
            return txn;
        }
        catch
        {
            txn.Dispose();
            throw;
        }
    }

    private long ChangeRevision() => _pending ??= _revision + 1;

    /// <summary>Closes the current change set; the next change takes a new revision.</summary>
    private void Seal()
    {
        if (_pending is { } p)
        {
            _revision = p;
            _pending = null;
        }
    }

    public StoredKey? Read(byte[] key)
    {
        using var reader = _sql.Command("SELECT value, create_revision, mod_revision, version, lease FROM kv WHERE key = $k", ("$k", key)).ExecuteReader();
        return reader.Read() ? new StoredKey((byte[])reader[0], reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)) : null;
    }

    public void Put(byte[] key, byte[] value, long lease)
    {
        if (lease != 0 && _sql.Scalar("SELECT count(*) FROM leases WHERE id = $id", ("$id", lease)) == 0)
            throw new LeaseNotFoundException(_location, lease);
        var revision = ChangeRevision();
        using var reader = _sql.Command("""
            INSERT INTO kv(key, value, create_revision, mod_revision, version, lease) VALUES ($k, $v, $r, $r, 1, $l)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_revision = excluded.mod_revision,
                version = kv.version + 1, lease = excluded.lease
            RETURNING create_revision, version
            """, ("$k", key), ("$v", value), ("$r", revision), ("$l", lease)).ExecuteReader();
        reader.Read();
        var created = reader.GetInt64(0);
        var version = reader.GetInt64(1);
        reader.Close();
        _sql.Execute("INSERT INTO events(revision, kind, key, value, create_revision, version, lease) VALUES ($r, 0, $k, $v, $c, $ver, $l)",
            ("$r", revision), ("$k", key), ("$v", value), ("$c", created), ("$ver", version), ("$l", lease));
    }

    /// <summary>Deletes [start, end) (end null: to the last key) or, with <paramref name="single"/>, just start.</summary>
    public long Delete(byte[] start, byte[]? end, bool single)
    {
        var (where, args) = single
            ? ("key = $a", new[] { ("$a", (object?)start) })
            : end is null ? ("key >= $a", new[] { ("$a", (object?)start) }) : ("key >= $a AND key < $b", new[] { ("$a", (object?)start), ("$b", (object?)end) });
        // Probe first so that deleting nothing does not consume a revision.
        if (_sql.Scalar(Sql("SELECT EXISTS(SELECT 1 FROM kv WHERE ", where, ")"), args) == 0)
            return 0;
        var revision = ChangeRevision();
        _sql.Execute(Sql("INSERT INTO events(revision, kind, key, value, create_revision, version, lease) SELECT $r, 1, key, NULL, 0, 0, 0 FROM kv WHERE ", where, " ORDER BY key"),
            [.. args, ("$r", revision)]);
        return _sql.Execute(Sql("DELETE FROM kv WHERE ", where, ""), args);
    }

    // Three fixed shapes only, so the statement cache stays small.
    private static string Sql(string head, string where, string tail) => head + where + tail;

    public long GrantLease(long ttlMs)
    {
        while (true)
        {
            // Random ids, like etcd's, need no coordination between processes; a clash just draws again.
            var id = Random.Shared.NextInt64(1, long.MaxValue);
            if (_sql.Execute("INSERT OR IGNORE INTO leases(id, ttl_ms, deadline_ms) VALUES ($id, $ttl, $d)",
                    ("$id", id), ("$ttl", ttlMs), ("$d", NowMs + ttlMs)) == 1)
                return id;
        }
    }

    /// <summary>Pushes the deadline out by the lease's TTL; 0 when the lease is gone.</summary>
    public long KeepAlive(long leaseId)
    {
        var ttl = _sql.Scalar("SELECT ttl_ms FROM leases WHERE id = $id", ("$id", leaseId));
        if (ttl == 0) return 0;
        _sql.Execute("UPDATE leases SET deadline_ms = $d WHERE id = $id", ("$id", leaseId), ("$d", NowMs + ttl));
        return ttl;
    }

    /// <summary>Ends a lease and deletes its keys as one change set (one revision), as etcd does.</summary>
    public bool RevokeLease(long leaseId)
    {
        if (_sql.Execute("DELETE FROM leases WHERE id = $id", ("$id", leaseId)) == 0)
            return false;
        if (_sql.Scalar("SELECT EXISTS(SELECT 1 FROM kv WHERE lease = $id)", ("$id", leaseId)) == 1)
        {
            var revision = ChangeRevision();
            _sql.Execute("INSERT INTO events(revision, kind, key, value, create_revision, version, lease) SELECT $r, 1, key, NULL, 0, 0, 0 FROM kv WHERE lease = $id ORDER BY key",
                ("$r", revision), ("$id", leaseId));
            _sql.Execute("DELETE FROM kv WHERE lease = $id", ("$id", leaseId));
        }
        Seal();
        return true;
    }

    /// <summary>Revokes every lease whose deadline passed, whoever granted it.</summary>
    public int ExpireLeases()
    {
        var expired = new List<long>();
        using (var reader = _sql.Command("SELECT id FROM leases WHERE deadline_ms < $now ORDER BY deadline_ms", ("$now", NowMs)).ExecuteReader())
        {
            while (reader.Read()) expired.Add(reader.GetInt64(0));
        }
        foreach (var id in expired) RevokeLease(id);
        return expired.Count;
    }

    /// <summary>Drops history before <paramref name="revision"/>; watches needing it get Compacted.</summary>
    public void Compact(long revision)
    {
        if (revision > Revision)
            throw new StoreException(_location, $"cannot compact to revision {revision}: the store is at {Revision}");
        if (revision <= _sql.CompactRevision()) return;
        _sql.Execute("DELETE FROM events WHERE revision < $r", ("$r", revision));
        _sql.Execute("UPDATE meta SET value = $r WHERE name = 'compact_revision'", ("$r", revision));
    }

    /// <summary>Commits; true when the transaction moved the store revision (it changed something).</summary>
    public bool Commit()
    {
        Seal();
        var moved = _revision != _initial;
        if (moved)
            _sql.Execute("UPDATE meta SET value = $r WHERE name = 'revision'", ("$r", _revision));
        _transaction.Commit();
        _done = true;
        return moved;
    }

    /// <summary>Rolls back what was not committed; ADO.NET skips the ROLLBACK when SQLite already ended the transaction (after SQLITE_FULL, say).</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        _transaction.Dispose();
    }
}
