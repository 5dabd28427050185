using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// The chores every process sharing the file does on a timer, because none of them is special: expiring leases
/// whose holder stopped renewing (it may have died, so it cannot be the one to clean up), and compacting the event
/// log to a bounded window. Each tick first checks with a read, so an idle store takes no write lock.
/// </summary>
internal sealed class SqliteMaintenance : IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly long _retention;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SqliteMaintenance(SqliteDatabase database, TimeSpan interval, long retention)
    {
        _database = database;
        _retention = Math.Max(1, retention);
        _loop = Task.Run(() => RunAsync(interval), CancellationToken.None);
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        // Its own connection with prepared statements: the check runs four times a second in every process.
        SqliteConnection? connection = null;
        SqliteStatements? statements = null;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    connection ??= _database.OpenConnection();
                    statements ??= new SqliteStatements(connection);
                    await TickAsync(statements, _stop.Token);
                }
                catch (Exception e) when (e is StoreException or SqliteException)
                {
                    // The file is busy or unavailable right now; reconnect and try again next tick.
                    statements?.Dispose();
                    statements = null;
                    connection?.Dispose();
                    connection = null;
                }
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

    private async Task TickAsync(SqliteStatements statements, CancellationToken cancellationToken)
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
            return;
        await _database.WriteAsync(txn =>
        {
            if (compact) txn.Compact(compactTo);
            return 0; // Begin() already expired what was due.
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
