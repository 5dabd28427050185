using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// The tables of the embedded store. Keys are BLOBs of UTF-8 so that SQLite's memcmp ordering equals etcd's and a
/// prefix's end bound (which may not be valid UTF-8) can be bound as a parameter.
/// </summary>
internal static class SqliteSchema
{
    public const int Version = 1;

    // meta holds the store-wide counters. Every write transaction reads and bumps 'revision' under BEGIN IMMEDIATE,
    // which is what makes revisions one monotonic sequence across all processes sharing the file.
    // events is the change log that feeds watches; AUTOINCREMENT is not needed because order is by revision.
    // leases carry absolute deadlines (Unix ms) so any process can expire a lease whose holder died.
    private const string CreateSql = """
        CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta(name, value) VALUES ('schema', 1), ('revision', 1), ('compact_revision', 0);
        CREATE TABLE IF NOT EXISTS kv(
            key BLOB PRIMARY KEY, value BLOB NOT NULL,
            create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL, version INTEGER NOT NULL,
            lease INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS kv_by_lease ON kv(lease) WHERE lease <> 0;
        CREATE TABLE IF NOT EXISTS events(
            id INTEGER PRIMARY KEY, revision INTEGER NOT NULL, kind INTEGER NOT NULL, key BLOB NOT NULL,
            value BLOB, create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS events_by_revision ON events(revision);
        CREATE TABLE IF NOT EXISTS leases(id INTEGER PRIMARY KEY, ttl_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS leases_by_deadline ON leases(deadline_ms);
        """;

    public static void Create(SqliteConnection connection)
    {
        // WAL lets readers (watches) run while one process writes; the mode is stored in the file, so the first
        // opener sets it for everyone.
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            wal.ExecuteNonQuery();
        }
        using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
        using var create = connection.CreateCommand();
        create.Transaction = transaction;
        create.CommandText = CreateSql;
        create.ExecuteNonQuery();
        create.CommandText = "SELECT value FROM meta WHERE name = 'schema'";
        var version = (long)create.ExecuteScalar()!;
        if (version != Version)
            throw new InvalidOperationException($"store file has schema version {version}; this Weft understands {Version}");
        transaction.Commit();
    }
}
