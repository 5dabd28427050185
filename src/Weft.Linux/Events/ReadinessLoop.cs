using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Events;

/// <summary>
/// One thread for every event source of the process (netlink monitors of every watched namespace, inotify watches): it
/// sleeps in epoll_wait(2) without a timeout and calls a source's handler when its descriptor is readable. A thread per
/// source cost a stack and a scheduler entry each, and an agent with many sandboxes watches many namespaces; an idle
/// host wakes this thread never. Handlers run on the loop's thread, so they only read and hand over (a channel write).
/// </summary>
internal sealed unsafe partial class ReadinessLoop
{
    private const int EPOLL_CLOEXEC = 0x80000;
    private const int EPOLL_CTL_ADD = 1;
    private const int EPOLL_CTL_DEL = 2;

    /// <summary>Readable, or an error/hang-up pending (the handler's read then reports it).</summary>
    internal const uint EPOLLIN = 0x1;

    /// <summary>Priority data: how /proc/self/mountinfo says the mount table changed.</summary>
    internal const uint EPOLLPRI = 0x2;

    private const int MaxEvents = 32;

    private static readonly Lazy<ReadinessLoop> SharedLoop = new(() => new ReadinessLoop());

    /// <summary>x86-64 packs struct epoll_event (12 bytes); every other ABI aligns it (16 bytes).</summary>
    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;

    private readonly FileDescriptorHandle _epoll;
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, Registration> _registrations = [];
    private ulong _nextId;
    private Thread? _thread;

    private ReadinessLoop()
    {
        var fd = EpollCreate1(EPOLL_CLOEXEC);
        _epoll = fd >= 0 ? new FileDescriptorHandle(fd) : throw KernelException.FromLastError("epoll_create1", "event loop");
    }

    /// <summary>The process's loop; its thread starts with the first registration and then lives as long as the process.</summary>
    public static ReadinessLoop Shared => SharedLoop.Value;

    /// <summary>
    /// Calls <paramref name="ready"/> on the loop's thread whenever <paramref name="fd"/> signals one of
    /// <paramref name="events"/> (level-triggered: the handler reads until it would block). A handler that returns false
    /// is unregistered. The caller keeps owning the descriptor and closes it only after <see cref="Registration.Dispose"/>.
    /// </summary>
    public Registration Register(FileDescriptorHandle fd, uint events, Func<bool> ready)
    {
        ArgumentNullException.ThrowIfNull(fd);
        ArgumentNullException.ThrowIfNull(ready);
        Registration registration;
        lock (_lock)
        {
            registration = new Registration(this, ++_nextId, fd, ready);
            _registrations.Add(registration.Id, registration);
            _thread ??= StartThread();
        }
        if (Control(EPOLL_CTL_ADD, fd, events, registration.Id) < 0)
        {
            var error = KernelException.FromLastError("epoll_ctl add", "event source");
            lock (_lock)
            {
                _registrations.Remove(registration.Id);
            }
            throw error;
        }
        return registration;
    }

    private Thread StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "weft-events" };
        thread.Start();
        return thread;
    }

    private void Unregister(Registration registration)
    {
        lock (_lock)
        {
            if (!_registrations.Remove(registration.Id))
            {
                return;
            }
        }
        // Ignored failure: the descriptor may be closed already, which removed it from the set.
        _ = Control(EPOLL_CTL_DEL, registration.Fd, 0, registration.Id);
    }

    private void Run()
    {
        var size = Packed ? 12 : 16;
        var buffer = stackalloc byte[MaxEvents * size];
        var added = false;
        _epoll.DangerousAddRef(ref added);
        while (true)
        {
            var count = EpollWait(_epoll.Value, buffer, MaxEvents, -1);
            if (count < 0)
            {
                continue; // EINTR; the set itself cannot fail while the process lives
            }
            for (var i = 0; i < count; i++)
            {
                // The data field follows the 4-byte events field, packed or at offset 8.
                var id = *(ulong*)(buffer + (i * size) + (Packed ? 4 : 8));
                Registration? registration;
                lock (_lock)
                {
                    _registrations.TryGetValue(id, out registration);
                }
                registration?.Fire();
            }
        }
    }

    private int Control(int op, FileDescriptorHandle fd, uint events, ulong id)
    {
        var added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            var ev = stackalloc byte[16];
            *(uint*)ev = events;
            *(ulong*)(ev + (Packed ? 4 : 8)) = id;
            return EpollCtl(_epoll.Value, op, fd.Value, ev);
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    /// <summary>One source in the loop. Dispose returns only once its handler is not running and will not run again.</summary>
    internal sealed class Registration : IDisposable
    {
        private readonly ReadinessLoop _loop;
        private readonly Func<bool> _ready;
        private readonly Lock _gate = new();
        private bool _removed;

        internal Registration(ReadinessLoop loop, ulong id, FileDescriptorHandle fd, Func<bool> ready)
        {
            _loop = loop;
            Id = id;
            Fd = fd;
            _ready = ready;
        }

        internal ulong Id { get; }

        internal FileDescriptorHandle Fd { get; }

        internal void Fire()
        {
            bool keep;
            lock (_gate)
            {
                if (_removed)
                {
                    return;
                }
                keep = _ready();
            }
            if (!keep)
            {
                Dispose();
            }
        }

        public void Dispose()
        {
            _loop.Unregister(this);
            // Taken after the removal: a handler running now finishes first (the lock is re-entrant, so a handler may
            // dispose its own registration).
            lock (_gate)
            {
                _removed = true;
            }
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc.so.6", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc.so.6", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);
}
