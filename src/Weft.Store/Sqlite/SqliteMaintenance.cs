using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// The chores every process sharing the file does, because none of them is special: expiring leases whose holder
/// stopped renewing (it may have died, so it cannot be the one to clean up), and compacting the event log to a bounded
/// window. It sleeps until the earliest lease deadline it read, or until a commit (any process's, through the change
/// feed), or at most <c>longest</c>; each wake first checks with a read, so an idle store takes no write lock.
/// </summary>
internal sealed class SqliteMaintenance : IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly SqliteChangeFeed _feed;
    private readonly long _retention;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SqliteMaintenance(SqliteDatabase database, SqliteChangeFeed feed, TimeSpan longest, long retention)
    {
        _database = database;
        _feed = feed;
        _retention = Math.Max(1, retention);
        _loop = Task.Run(() => RunAsync(longest), CancellationToken.None);
    }

    private async Task RunAsync(TimeSpan longest)
    {
        using var subscription = _feed.Subscribe();
        // Its own connection with prepared statements: the check runs after every commit in every process.
        SqliteConnection? connection = null;
        SqliteStatements? statements = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var changed = _feed.NextChange();
                var wait = longest;
                try
                {
                    connection ??= _database.OpenConnection();
                    statements ??= new SqliteStatements(connection);
                    var untilDeadline = await TickAsync(statements, _stop.Token);
                    wait = untilDeadline < wait ? untilDeadline : wait;
                }
                catch (Exception e) when (e is StoreException or SqliteException)
                {
                    // The file is busy or unavailable right now; reconnect and try again at the next wake.
                    statements?.Dispose();
                    statements = null;
                    connection?.Dispose();
                    connection = null;
                }
                await Task.WhenAny(changed, Task.Delay(wait, _stop.Token));
            }
        }
        catch (OperationCanceledException)
        {
            // Store closed.
        }
        finally
        {
            statements?.Dispose();
            connection?.Dispose();
        }
    }

    /// <summary>Expires what is due and compacts when the log outgrew its window; returns how long until the next lease deadline.</summary>
    private async Task<TimeSpan> TickAsync(SqliteStatements statements, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        var (nextDeadline, revision, compacted) = _database.Read(statements, sql => (
            sql.Scalar("SELECT coalesce(min(deadline_ms), 9223372036854775807) FROM leases"),
            sql.Revision(),
            sql.CompactRevision()));
        // Compact in steps of a tenth of the window so compaction is an occasional batch, not a per-write cost.
        var compactTo = revision - _retention + 1;
        var compact = compactTo - compacted > _retention / 10;
        if (nextDeadline >= now && !compact)
        {
            // A millisecond past the deadline, so the lease is due when the next tick looks.
            return TimeSpan.FromMilliseconds(Math.Min(nextDeadline - now + 1, int.MaxValue));
        }
        await _database.WriteAsync(txn =>
        {
            if (compact) txn.Compact(compactTo);
            return 0; // Begin() already expired what was due.
        }, cancellationToken);
        return TimeSpan.Zero;
    }
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
