using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// Tells this process's watches (and its maintenance) that some process committed to the file. A commit in WAL mode
/// appends its pages to the -wal file with write(2), so a thread sleeps in inotify on the store's directory and, when
/// the -wal file (or the database) is written, reads <c>PRAGMA data_version</c> on its own connection: that value
/// changes whenever another connection, in any process, committed. An idle store therefore costs no wake-up at all
/// but the safety poll (<see cref="ClusterStoreOptions.WatchSafetyPoll"/>), which covers what inotify could miss.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The writer appends its frames before it publishes the commit in the shared-memory index, so an event may
/// come a moment before the new version is visible: after an event that showed nothing new, the version is read again
/// 1, 4 and 16 ms later.</item>
/// <item>A commit of this process wakes its watches at once (<see cref="Notify"/>, from <see cref="SqliteDatabase.Committed"/>).</item>
/// <item>Without inotify (no instances left for the user, say) the thread falls back to polling every 15 ms, as the
/// store did before it had inotify.</item>
/// </list>
/// The thread runs only while something is subscribed.
/// </remarks>
internal sealed class SqliteChangeFeed(SqliteDatabase database, TimeSpan safetyPoll) : IDisposable
{
    private static readonly TimeSpan FallbackPoll = TimeSpan.FromMilliseconds(15);
    private static readonly int[] RecheckMilliseconds = [1, 4, 16];

    private readonly Lock _lock = new();
    private TaskCompletionSource _signal = NewSignal();
    private int _subscribers;
    private Runner? _runner;

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
                var runner = _runner = new Runner(DirectoryWatch.TryCreate(
                    Path.GetDirectoryName(database.FilePath)!, Path.GetFileName(database.FilePath)));
                // A dedicated thread sleeping in the kernel, not a timer: thread-pool wake-ups make idle workers spin.
                new Thread(() => Run(runner)) { IsBackground = true, Name = "weft-sqlite-change-feed" }.Start();
            }
        }
        return new Subscription(this);
    }

    private void Unsubscribe()
    {
        Runner? stop = null;
        lock (_lock)
        {
            if (_subscribers > 0 && --_subscribers == 0)
            {
                stop = _runner;
                _runner = null;
            }
        }
        stop?.Stop();
    }

    /// <summary>Runs until <paramref name="runner"/> is stopped, then disposes it (the thread is its last user).</summary>
    private void Run(Runner runner)
    {
        SqliteConnection? connection = null;
        SqliteCommand? command = null;
        long last = -1;
        var rechecks = 0;
        try
        {
            while (!runner.Stopped)
            {
                if (Check(ref connection, ref command, ref last))
                {
                    rechecks = 0;
                }
                if (runner.Watch is not { } watch)
                {
                    if (runner.StopRequested.WaitOne(FallbackPoll))
                    {
                        break;
                    }
                    continue;
                }
                var timeout = rechecks > 0 ? RecheckMilliseconds[^rechecks--] : (int)safetyPoll.TotalMilliseconds;
                switch (watch.Wait(timeout))
                {
                    case DirectoryWatch.Wake.Interrupted:
                        return;
                    case DirectoryWatch.Wake.Changed:
                        rechecks = RecheckMilliseconds.Length;
                        break;
                }
            }
        }
        finally
        {
            command?.Dispose();
            connection?.Dispose();
            runner.Dispose();
        }
    }

    /// <summary>Reads the data version; fires and returns true when it moved. A failure fires too, so watches notice it themselves.</summary>
    private bool Check(ref SqliteConnection? connection, ref SqliteCommand? command, ref long last)
    {
        if (database.File.Problem is null && database.File.Check() is not null)
        {
            Fire(); // the file was deleted or replaced: the watches' next read fails and reports it
            return true;
        }
        try
        {
            if (command is null)
            {
                connection = database.OpenConnection();
                command = connection.CreateCommand();
                command.CommandText = "PRAGMA data_version";
                command.Prepare(); // parsed once; each check is then a step over shared memory
            }
            var version = (long)command.ExecuteScalar()!;
            if (version == last)
            {
                return false;
            }
            last = version;
        }
        catch (Exception e) when (e is SqliteException or StoreException)
        {
            // Reopen at the next check (a store whose file was replaced refuses to, and its watches report why).
            command?.Dispose();
            command = null;
            connection?.Dispose();
            connection = null;
        }
        Fire();
        return true;
    }

    /// <summary>This process committed: its watches need not wait for the file's event to see it.</summary>
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
        Runner? stop;
        lock (_lock)
        {
            stop = _runner;
            _runner = null;
            _subscribers = 0;
        }
        stop?.Stop();
    }

    /// <summary>One run of the feed's thread: its directory watch (null without inotify) and its stop signal.</summary>
    private sealed class Runner(DirectoryWatch? watch) : IDisposable
    {
        private readonly ManualResetEvent _stop = new(false);
        private readonly Lock _lock = new();
        private volatile bool _stopped;
        private bool _disposed;

        public DirectoryWatch? Watch => watch;

        public bool Stopped => _stopped;

        public WaitHandle StopRequested => _stop;

        public void Stop()
        {
            lock (_lock)
            {
                _stopped = true;
                if (!_disposed)
                {
                    _stop.Set();
                    watch?.Interrupt();
                }
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                watch?.Dispose();
                _stop.Dispose();
            }
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
