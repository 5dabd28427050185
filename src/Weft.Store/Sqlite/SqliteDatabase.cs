using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// The connector of the embedded store: the file, its connections and the rules for using them. Writes go through
/// one connection per process behind an async gate, so in-process writers queue without blocking threads and only
/// one of them at a time contends for SQLite's file lock with other processes (BEGIN IMMEDIATE + busy_timeout).
/// Reads use pooled connections and never wait for writers (WAL).
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    /// <summary>
    /// For every connection after the writer's: never creates the file, so one opened after a delete fails rather than
    /// making a new, empty store there for other processes to find.
    /// </summary>
    private readonly string _existingFileConnectionString;
    private readonly int _busyTimeoutMs;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SqliteConnection _writer;
    private readonly SqliteStatements _writerStatements;
    /// <summary>Reader sessions kept for the next read; more than this many reads at once open sessions that are closed after.</summary>
    private const int KeptReaders = 2;

    private readonly System.Collections.Concurrent.ConcurrentBag<SqliteStatements> _readers = [];

    private SqliteDatabase(string location, string filePath, string connectionString, int busyTimeoutMs)
    {
        Location = location;
        FilePath = filePath;
        _existingFileConnectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
        _busyTimeoutMs = busyTimeoutMs;
        _writer = Open(connectionString); // the one connection that may create the file
        try
        {
            SqliteSchema.Create(_writer);
        }
        catch
        {
            _writer.Dispose();
            throw;
        }
        _writerStatements = new SqliteStatements(_writer);
        File = StoreFileIdentity.Of(filePath);
    }

    /// <summary>Whether the path still names the file this process opened (<see cref="StoreFileIdentity"/>).</summary>
    public StoreFileIdentity File { get; }

    /// <summary>A store whose file was deleted or replaced fails every call from then on, as an unreachable store would.</summary>
    private void ThrowIfReplaced(bool look)
    {
        if ((look ? File.Check() : File.Problem) is { } problem)
        {
            throw new StoreUnavailableException(Location, problem);
        }
    }

    public string Location { get; }

    /// <summary>The database file; its -wal and -shm files live beside it.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Raised after a commit of this process moved the revision: its own watches then read at once, rather than at
    /// the change feed's next poll, so a writer that waits for its revision in the cluster view is not kept waiting.
    /// </summary>
    public event Action? Committed;

    public static SqliteDatabase Open(StoreUrl url, ClusterStoreOptions options)
    {
        var path = url.Path;
        if (!options.CreateIfMissing && !System.IO.File.Exists(path))
            throw new StoreUnavailableException(url.Display, $"store file {path} does not exist");
        var dir = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
            throw new StoreUnavailableException(url.Display, $"directory of store file {path} does not exist");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = options.CreateIfMissing ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            // The database keeps its own sessions (the writer, a few readers, the change feed's): a connection it
            // disposes must close its file. The driver's pool would keep it open, and so every store ever opened in a
            // process (measured: 15,800 descriptors of deleted test stores, then a crash at the 20,000 limit).
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        try
        {
            return new SqliteDatabase(url.Display, Path.GetFullPath(path), builder.ToString(), (int)options.BusyTimeout.TotalMilliseconds);
        }
        catch (SqliteException e)
        {
            throw new StoreUnavailableException(url.Display, $"cannot open store file {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A new connection to the file this process holds, configured; disposing it closes it. Looking at the path first
    /// gives the precise reason when the file was deleted or replaced; the no-create mode closes the gap between the
    /// look and the open.
    /// </summary>
    public SqliteConnection OpenConnection()
    {
        ThrowIfReplaced(look: true);
        try
        {
            return Open(_existingFileConnectionString);
        }
        catch (SqliteException e)
        {
            throw Translate(e);
        }
    }

    private SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            // NORMAL is durable across process crashes in WAL mode (only power loss can drop the last commits), and
            // avoids an fsync per write; the store's job is coordination, not an archive. A page cache of 512 KiB per
            // connection instead of 2 MiB: the file is small and sits in the kernel's page cache anyway, and an agent keeps
            // several connections (writer, readers, change feed, maintenance), each of which would fill its own.
            pragma.CommandText = $"PRAGMA busy_timeout={_busyTimeoutMs}; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-512";
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> inside one BEGIN IMMEDIATE transaction and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteWriteTxn, T> work, CancellationToken cancellationToken)
    {
        ThrowIfReplaced(look: true);
        await _writeGate.WaitAsync(cancellationToken);
        bool moved;
        T result;
        try
        {
            using var txn = SqliteWriteTxn.Begin(_writerStatements, Location);
            // BEGIN IMMEDIATE may have waited for another process's lock well past the caller's patience: a caller that
            // gave up meanwhile (FailFastClusterStore's deadline) was told nothing changed, so nothing may; disposing rolls back.
            cancellationToken.ThrowIfCancellationRequested();
            result = work(txn);
            cancellationToken.ThrowIfCancellationRequested();
            moved = txn.Commit();
        }
        catch (SqliteException e)
        {
            throw Translate(e);
        }
        finally
        {
            _writeGate.Release();
        }
        if (moved)
        {
            Committed?.Invoke();
        }
        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside one read transaction (one snapshot) on a reader session: a connection with its
    /// prepared statements, kept for the next read. Preparing statements and setting pragmas on every read cost more
    /// than most reads themselves. A session whose read failed is dropped, not reused.
    /// </summary>
    public T Read<T>(Func<SqliteStatements, T> work)
    {
        ThrowIfReplaced(look: false);
        if (!_readers.TryTake(out var statements))
        {
            try
            {
                statements = new SqliteStatements(OpenConnection(), ownsConnection: true);
            }
            catch (SqliteException e)
            {
                throw Translate(e);
            }
        }
        try
        {
            var result = Read(statements, work);
            if (_readers.Count < KeptReaders)
            {
                _readers.Add(statements);
            }
            else
            {
                statements.Dispose(); // a burst of concurrent reads is over: its extra connections (and their caches) go
            }
            return result;
        }
        catch
        {
            statements.Dispose();
            throw;
        }
    }

    /// <summary>The same on a long-lived connection whose prepared statements are reused (timers, watches).</summary>
    public T Read<T>(SqliteStatements statements, Func<SqliteStatements, T> work)
    {
        ThrowIfReplaced(look: false);
        try
        {
            using var transaction = statements.Begin(immediate: false);
            var result = work(statements);
            transaction.Commit();
            return result;
        }
        catch (SqliteException e)
        {
            throw Translate(e);
        }
    }

    public StoreException Translate(SqliteException e) => (File.Check() is { } replaced)
        ? new StoreUnavailableException(Location, replaced, e) // whatever SQLite said, the file being gone is why
        : e.SqliteErrorCode switch
    {
        // BUSY/LOCKED: another process held the write lock longer than the busy timeout.
        5 or 6 => new StoreUnavailableException(Location, $"store file is locked by another process: {e.Message}", e),
        // CANTOPEN, IOERR, FULL, READONLY: the file itself is the problem.
        14 or 10 or 13 or 8 => new StoreUnavailableException(Location, $"store file cannot be used: {e.Message}", e),
        _ => new StoreException(Location, $"SQLite error: {e.Message}", e),
    };

    public void Dispose()
    {
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }
        _writerStatements.Dispose();
        _writer.Dispose();
        _writeGate.Dispose();
    }
}
