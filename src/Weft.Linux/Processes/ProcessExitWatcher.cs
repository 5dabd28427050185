using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Processes;

/// <summary>
/// Tells when processes that are not this process's children exit: one thread sleeps in poll(2) on a pidfd per process
/// (readable once it has exited) and on a wake-up for changes to the set, so watching costs no periodic wake-up.
/// A pid is taken only together with its start time, so a recycled pid is never mistaken for the process watched.
/// </summary>
public sealed unsafe class ProcessExitWatcher : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(int Pid, long StartTime), (FileDescriptorHandle Fd, Action Exited)> _watched = [];
    private readonly Wakeup _changed = new();
    private readonly Thread _thread;
    private volatile bool _stopping;

    public ProcessExitWatcher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "weft-process-exits" };
        _thread.Start();
    }

    /// <summary>The processes watched, by pid and start time.</summary>
    public IReadOnlyCollection<(int Pid, long StartTime)> Watched
    {
        get
        {
            lock (_lock)
            {
                return [.. _watched.Keys];
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="exited"/> (on the watcher's thread) once process <paramref name="pid"/>, started at
    /// <paramref name="startTime"/> (clock ticks after boot), has exited; at once if it is already gone or the pid now
    /// names another process. Watching the same process again does nothing.
    /// </summary>
    public void Watch(int pid, long startTime, Action exited)
    {
        ArgumentNullException.ThrowIfNull(exited);
        lock (_lock)
        {
            if (_watched.ContainsKey((pid, startTime)))
            {
                return;
            }
        }
        var fd = Libc.PidfdOpen(pid, 0);
        if (fd < 0)
        {
            exited(); // ESRCH: already gone
            return;
        }
        var handle = new FileDescriptorHandle(fd);
        // Opened after the start time was recorded: the pid may have been recycled in between. The pidfd names whatever
        // holds the pid now, so its start time decides.
        if (ProcessStat.Read(pid) is not { } stat || stat.StartTime != startTime || stat.State == 'Z')
        {
            handle.Dispose();
            exited();
            return;
        }
        lock (_lock)
        {
            _watched[(pid, startTime)] = (handle, exited);
        }
        _changed.Signal();
    }

    /// <summary>Stops watching a process without calling its action.</summary>
    public void Forget(int pid, long startTime)
    {
        lock (_lock)
        {
            if (_watched.Remove((pid, startTime), out var entry))
            {
                entry.Fd.Dispose();
            }
        }
        _changed.Signal();
    }

    private void Run()
    {
        var buffer = new byte[8];
        while (!_stopping)
        {
            List<((int, long) Key, FileDescriptorHandle Fd)> entries;
            lock (_lock)
            {
                entries = [.. _watched.Select(w => (w.Key, w.Value.Fd))];
            }
            var fds = new Libc.PollFd[entries.Count + 1];
            var refs = new bool[entries.Count];
            try
            {
                fds[0] = new Libc.PollFd { Fd = _changed.Handle.Value, Events = Libc.POLLIN };
                for (var i = 0; i < entries.Count; i++)
                {
                    entries[i].Fd.DangerousAddRef(ref refs[i]);
                    fds[i + 1] = new Libc.PollFd { Fd = entries[i].Fd.Value, Events = Libc.POLLIN };
                }
                fixed (Libc.PollFd* p = fds)
                {
                    if (Libc.Poll(p, (nuint)fds.Length, -1) < 0 && Marshal.GetLastPInvokeError() != Errno.EINTR)
                    {
                        return;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                continue; // a process was forgotten while the set was read
            }
            finally
            {
                for (var i = 0; i < entries.Count; i++)
                {
                    if (refs[i])
                    {
                        entries[i].Fd.DangerousRelease();
                    }
                }
            }
            if ((fds[0].Revents & Libc.POLLIN) != 0)
            {
                fixed (byte* b = buffer)
                {
                    _ = Libc.Read(_changed.Handle, b, buffer.Length); // reset the eventfd
                }
            }
            for (var i = 0; i < entries.Count; i++)
            {
                if ((fds[i + 1].Revents & Libc.POLLIN) == 0)
                {
                    continue;
                }
                Action? exited = null;
                lock (_lock)
                {
                    if (_watched.Remove(entries[i].Key, out var entry))
                    {
                        entry.Fd.Dispose();
                        exited = entry.Exited;
                    }
                }
                exited?.Invoke();
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _changed.Signal();
        _thread.Join();
        lock (_lock)
        {
            foreach (var (fd, _) in _watched.Values)
            {
                fd.Dispose();
            }
            _watched.Clear();
        }
        _changed.Dispose();
    }
}
