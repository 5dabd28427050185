using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// Tells this process's watches that some process committed to the file. It polls <c>PRAGMA data_version</c> on
/// its own connection: the value changes whenever another connection (in any process) commits, and reading it only
/// touches the WAL index in shared memory, so a 15 ms poll costs microseconds per tick and no disk I/O when idle.
/// inotify on the -wal file was the alternative, but it needs care around WAL resets and checkpoints and a fallback
/// poll anyway; the poll alone is simpler and cheap enough. The poller runs only while at least one watch is open.
/// </summary>
internal sealed class SqliteChangeFeed(SqliteDatabase database, TimeSpan interval) : IDisposable
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _signal = NewSignal();
    private int _subscribers;
    private CancellationTokenSource? _stop;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// A task that completes at the next commit after this call. Take it before reading, then read, then await it:
    /// a commit that lands in between completes the task, so no change can slip by unseen.
    /// </summary>
    public Task NextChange()
    {
        lock (_lock) return _signal.Task;
    }

    public IDisposable Subscribe()
    {
        lock (_lock)
        {
            if (_subscribers++ == 0)
            {
                var stop = _stop = new CancellationTokenSource();
                // A dedicated thread sleeping in a kernel wait, not a PeriodicTimer: each thread-pool wake-up makes
                // idle workers spin looking for more work, which at 66 ticks/s cost ~4% of a core; this costs ~0.5%.
                new Thread(() => Poll(stop)) { IsBackground = true, Name = "weft-sqlite-change-feed" }.Start();
            }
        }
        return new Subscription(this);
    }

    private void Unsubscribe()
    {
        CancellationTokenSource? stop = null;
        lock (_lock)
        {
            if (_subscribers > 0 && --_subscribers == 0)
            {
                stop = _stop;
                _stop = null;
            }
        }
        stop?.Cancel();
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled, then disposes it (the thread is its last user).</summary>
    private void Poll(CancellationTokenSource stop)
    {
        SqliteConnection? connection = null;
        SqliteCommand? command = null;
        long last = -1;
        try
        {
            do
            {
                try
                {
                    if (command is null)
                    {
                        connection = database.OpenConnection();
                        command = connection.CreateCommand();
                        command.CommandText = "PRAGMA data_version";
                        command.Prepare(); // parsed once; each tick is then a step over shared memory
                    }
                    var version = (long)command.ExecuteScalar()!;
                    if (version != last)
                    {
                        last = version;
                        Fire();
                    }
                }
                catch (SqliteException)
                {
                    // Wake the watches so they notice the failure themselves and report it; reopen next tick.
                    command?.Dispose();
                    command = null;
                    connection?.Dispose();
                    connection = null;
                    Fire();
                }
            }
            while (!stop.Token.WaitHandle.WaitOne(interval));
        }
        finally
        {
            command?.Dispose();
            connection?.Dispose();
            stop.Dispose();
        }
    }

    /// <summary>This process committed: its watches need not wait for the next poll to see it.</summary>
    public void Notify() => Fire();

    private void Fire()
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            fired = _signal;
            _signal = NewSignal();
        }
        fired.TrySetResult();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stop?.Cancel();
            _stop = null;
            _subscribers = 0;
        }
    }

    private sealed class Subscription(SqliteChangeFeed feed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) feed.Unsubscribe();
        }
    }
}
