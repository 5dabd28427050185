using System.Diagnostics;
using Weft.Linux.Files;
using Weft.Linux.Namespaces;
using Weft.Linux.Processes;

namespace Weft.Lab;

/// <summary>What `weft lab store` does to the lab's cluster store.</summary>
public enum LabStoreAction
{
    /// <summary>etcd: SIGTERM and wait for it to exit. Embedded: the same as <see cref="Pause"/> (there is no process).</summary>
    Stop,
    /// <summary>etcd: SIGSTOP (it hangs: connections are accepted, nothing is answered). Embedded: hold its write lock.</summary>
    Pause,
    /// <summary>etcd: SIGCONT. Embedded: release the write lock.</summary>
    Resume,
    /// <summary>etcd: start it again on its data and wait until it listens. Embedded: the same as <see cref="Resume"/>.</summary>
    Start,
}

/// <summary>
/// `weft lab store stop|pause|resume|start`: breaks the lab's store on purpose, so that users and tests can watch
/// the agents cope, by the pid the lab recorded (never by name).
/// <para>
/// The embedded store has no process to signal. Pausing it starts a process that takes the SQLite write lock of the
/// store (the WAL write lock, byte 120 of the <c>-shm</c> file) and keeps it, as a writer stuck inside a transaction
/// would: every agent's writes and lease keep-alives wait for it (SQLite's busy timeout) and then fail, while reads
/// still answer. Stop is the same there (the store cannot be taken away from under open files without replacing it,
/// which is another failure), and start is resume.
/// </para>
/// </summary>
public static class LabStoreControl
{
    /// <summary>SQLite's WAL write lock: the first lock byte of the wal-index (<c>-shm</c>) file, WALINDEX_LOCK_OFFSET.</summary>
    public const long WalWriteLockOffset = 120;

    public static async Task<LabState> RunAsync(LabState state, LabStoreAction action, IReadOnlyList<string> weftCommand, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(weftCommand);
        return state.StoreKind == "etcd" ? await EtcdAsync(state, action, ct) : Embedded(state, action, weftCommand);
    }

    private static async Task<LabState> EtcdAsync(LabState state, LabStoreAction action, CancellationToken ct)
    {
        var running = state.StorePid is { } p && LabProcesses.IsAlive(p) ? p : (int?)null;
        switch (action)
        {
            case LabStoreAction.Pause:
                var toPause = running ?? throw new LabException($"the etcd of lab '{state.Name}' is not running; `weft lab store start` first");
                ProcessSignals.Send(toPause, ProcessSignals.SIGSTOP);
                await WaitAsync(() => ProcessSignals.IsStopped(toPause), "etcd to stop (SIGSTOP)", ct);
                return state.Update(s => s with { StorePaused = true });
            case LabStoreAction.Resume:
                var toResume = running ?? throw new LabException($"the etcd of lab '{state.Name}' is not running; `weft lab store start` starts it");
                ProcessSignals.Send(toResume, ProcessSignals.SIGCONT);
                await WaitAsync(() => !ProcessSignals.IsStopped(toResume), "etcd to continue (SIGCONT)", ct);
                return state.Update(s => s with { StorePaused = false });
            case LabStoreAction.Stop:
                var toStop = running ?? throw new LabException($"the etcd of lab '{state.Name}' is not running");
                ProcessSignals.Send(toStop, ProcessSignals.SIGTERM);
                ProcessSignals.Send(toStop, ProcessSignals.SIGCONT); // a paused etcd handles SIGTERM only once it runs
                try
                {
                    await WaitAsync(() => !LabProcesses.IsAlive(toStop), "etcd to exit after SIGTERM", ct, seconds: 10);
                }
                catch (LabException)
                {
                    LabProcesses.Kill([toStop]);
                }
                return state.Update(s => s with { StorePid = null, StorePaused = false });
            default:
                var next = Lab.StartStore(state);
                var address = System.Net.IPAddress.Parse(new Uri(state.StoreUrl.Replace("etcd://", "http://", StringComparison.Ordinal)).Host);
                await Lab.WaitForEtcdAsync(state.StoreNamespace!, address, next.StorePid!.Value, state.Directory, ct);
                return next;
        }
    }

    private static LabState Embedded(LabState state, LabStoreAction action, IReadOnlyList<string> weftCommand)
    {
        var holder = state.StoreLockPid is { } p && LabProcesses.IsAlive(p) ? p : (int?)null;
        var wal = WalIndexPath(state);
        if (action is LabStoreAction.Pause or LabStoreAction.Stop)
        {
            if (holder is not null)
            {
                throw new LabException($"the embedded store of lab '{state.Name}' is already held (lock holder pid {holder}); `weft lab store resume` releases it");
            }
            if (!File.Exists(wal))
            {
                throw new LabException($"{wal} does not exist: no agent has the embedded store open");
            }
            using var current = NetworkNamespace.OpenCurrent();
            var pid = LabProcesses.StartDetached(current, [.. weftCommand, "lab", "store", HoldLockCommand, wal], Path.Combine(state.Directory, "store-lock.log"));
            // Returns once the lock is taken (an agent in the middle of a write may hold it for a moment first).
            var sw = Stopwatch.StartNew();
            while (RecordLock.Holder(wal, WalWriteLockOffset, 1) != pid)
            {
                if (!LabProcesses.IsAlive(pid) || sw.Elapsed > TimeSpan.FromSeconds(10))
                {
                    LabProcesses.Kill([pid]);
                    throw new LabException($"the lock holder did not take the store's write lock within 10 s; see {Path.Combine(state.Directory, "store-lock.log")}");
                }
                Thread.Sleep(10);
            }
            return state.Update(s => s with { StoreLockPid = pid });
        }
        if (holder is null)
        {
            throw new LabException($"the embedded store of lab '{state.Name}' is not paused");
        }
        LabProcesses.Kill([holder.Value]);
        return state.Update(s => s with { StoreLockPid = null });
    }

    /// <summary>The hidden `weft lab store` verb that the pause starts: takes the lock and keeps it until killed.</summary>
    public const string HoldLockCommand = "hold-write-lock";

    /// <summary>Runs in the lock holder's process: never returns while the lock is held.</summary>
    public static void HoldWriteLock(string walIndexPath)
    {
        using var held = RecordLock.Take(walIndexPath, WalWriteLockOffset, 1);
        Console.WriteLine($"holding the write lock of {walIndexPath} (pid {Environment.ProcessId})");
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>One line on the store's state as the lab left it.</summary>
    public static string Describe(LabState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.StoreKind != "etcd")
        {
            return state.StoreLockPid is { } lp && LabProcesses.IsAlive(lp) ? $"paused (write lock held by pid {lp})" : "available";
        }
        return state.StorePid is { } p && LabProcesses.IsAlive(p)
            ? (ProcessSignals.IsStopped(p) ? $"paused (pid {p}, SIGSTOP)" : $"running (pid {p})")
            : "stopped";
    }

    private static string WalIndexPath(LabState state) => new Uri(state.StoreUrl).AbsolutePath + "-shm";

    private static async Task WaitAsync(Func<bool> condition, string what, CancellationToken ct, int seconds = 5)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new LabException($"waited {seconds} s for {what}");
            }
            await Task.Delay(10, ct);
        }
    }
}
