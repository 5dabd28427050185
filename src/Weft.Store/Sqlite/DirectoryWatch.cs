using System.Runtime.InteropServices;

namespace Weft.Store.Sqlite;

/// <summary>
/// Sleeps in the kernel until a file of one directory whose name starts with a given prefix is written, created,
/// renamed or deleted (inotify: the last two tell the store that its file was replaced), until <see cref="Interrupt"/> is called (an eventfd), or until a timeout passes.
/// A directory watch rather than a watch on the file itself: SQLite deletes the -wal file when the last connection
/// closes and makes it again at the next open, and a watch on the directory sees the new file without re-arming.
/// </summary>
internal sealed partial class DirectoryWatch : IDisposable
{
    private const int IN_NONBLOCK = 0x800;
    private const int IN_CLOEXEC = 0x80000;
    private const uint IN_MODIFY = 0x2;
    private const uint IN_CREATE = 0x100;
    private const uint IN_MOVED_TO = 0x80;
    private const uint IN_MOVED_FROM = 0x40;
    private const uint IN_DELETE = 0x200;
    private const uint IN_Q_OVERFLOW = 0x4000;
    private const int EFD_CLOEXEC = 0x80000;
    private const int EFD_NONBLOCK = 0x800;
    private const short POLLIN = 1;
    private const int EINTR = 4;
    private const int EventHeaderSize = 16; // struct inotify_event: wd, mask, cookie, len, then the name

    private readonly int _inotify;
    private readonly int _wake;
    private readonly byte[] _prefix;
    private readonly byte[] _buffer = new byte[4096];
    private readonly Lock _lock = new();
    private bool _disposed;

    private DirectoryWatch(int inotify, int wake, string prefix)
    {
        _inotify = inotify;
        _wake = wake;
        _prefix = System.Text.Encoding.UTF8.GetBytes(prefix);
    }

    /// <summary>What ended a wait.</summary>
    public enum Wake
    {
        /// <summary>A matching file changed (or the kernel's queue overflowed, so one may have).</summary>
        Changed,
        /// <summary>Nothing happened within the timeout.</summary>
        TimedOut,
        /// <summary><see cref="Interrupt"/> was called.</summary>
        Interrupted,
    }

    /// <summary>Watches <paramref name="directory"/> for files named <paramref name="prefix"/>…; null when inotify is not available (no instances left, say).</summary>
    public static DirectoryWatch? TryCreate(string directory, string prefix)
    {
        var inotify = InotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
        if (inotify < 0)
        {
            return null;
        }
        if (InotifyAddWatch(inotify, directory, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0)
        {
            _ = Close(inotify);
            return null;
        }
        var wake = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake < 0)
        {
            _ = Close(inotify);
            return null;
        }
        return new DirectoryWatch(inotify, wake, prefix);
    }

    /// <summary>Blocks the calling thread until a matching change, an interrupt, or <paramref name="timeoutMs"/> (-1: none).</summary>
    public unsafe Wake Wait(int timeoutMs)
    {
        var fds = stackalloc PollFd[2];
        while (true)
        {
            fds[0] = new PollFd { Fd = _inotify, Events = POLLIN };
            fds[1] = new PollFd { Fd = _wake, Events = POLLIN };
            var ready = Poll(fds, 2, timeoutMs);
            if (ready < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR)
                {
                    continue;
                }
                return Wake.Changed; // a failing poll must not hide a commit: the caller looks for itself
            }
            if (ready == 0)
            {
                return Wake.TimedOut;
            }
            if ((fds[1].Revents & POLLIN) != 0)
            {
                return Wake.Interrupted;
            }
            if (Drain())
            {
                return Wake.Changed;
            }
            // Only other files of the directory changed: keep sleeping (the timeout restarts, which a safety poll tolerates).
        }
    }

    /// <summary>Reads every queued event; true when one names a matching file.</summary>
    private unsafe bool Drain()
    {
        var matched = false;
        fixed (byte* buffer = _buffer)
        {
            while (true)
            {
                var length = Read(_inotify, buffer, _buffer.Length);
                if (length <= 0)
                {
                    return matched;
                }
                for (var offset = 0; offset + EventHeaderSize <= length;)
                {
                    var mask = *(uint*)(buffer + offset + 4);
                    var nameLength = *(int*)(buffer + offset + 12);
                    var name = new ReadOnlySpan<byte>(buffer + offset + EventHeaderSize, nameLength);
                    matched |= (mask & IN_Q_OVERFLOW) != 0 || name.StartsWith(_prefix);
                    offset += EventHeaderSize + nameLength;
                }
            }
        }
    }

    /// <summary>Wakes a thread blocked in <see cref="Wait"/>; any thread may call it.</summary>
    public unsafe void Interrupt()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                ulong one = 1;
                _ = Write(_wake, &one, sizeof(ulong));
            }
        }
    }

    /// <summary>Call only once the thread that waits has stopped waiting; <see cref="Interrupt"/> is then a no-op.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _ = Close(_inotify);
                _ = Close(_wake);
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc.so.6", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int InotifyInit1(int flags);

    [LibraryImport("libc.so.6", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc.so.6", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc.so.6", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, void* buffer, nint count);

    [LibraryImport("libc.so.6", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, void* buffer, nint count);

    [LibraryImport("libc.so.6", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
