using System.Runtime.InteropServices;
using Weft.Linux.Events;
using Weft.Linux.Interop;

namespace Weft.Linux.Namespaces;

/// <summary>
/// Says when a name in a network namespace directory (/run/netns) may now lead elsewhere: a name removed, renamed or
/// added there (inotify: `ip netns del` unmounts and unlinks, `ip netns add` creates and mounts), or a mount or unmount
/// in that directory (a namespace bound over an existing name changes no directory entry): /proc/self/mountinfo signals
/// every change of the mount table as priority data, and the watch reports only those that change the mounts in the
/// directory, so a container's mounts elsewhere wake nobody. The caller compares what it cares about; an idle host
/// raises neither, so watching costs no wake-up. Both descriptors sleep in the process's one event thread (<see cref="ReadinessLoop"/>).
/// </summary>
public sealed partial class NamespaceNamesWatch : IDisposable
{
    private const int IN_NONBLOCK = 0x800;
    private const int IN_CLOEXEC = 0x80000;
    private const uint IN_CREATE = 0x100;
    private const uint IN_DELETE = 0x200;
    private const uint IN_MOVED_FROM = 0x40;
    private const uint IN_MOVED_TO = 0x80;
    private const uint IN_DELETE_SELF = 0x400;
    private const uint IN_MOVE_SELF = 0x800;

    private readonly FileDescriptorHandle _inotify;
    private readonly FileDescriptorHandle _mounts;
    private readonly ReadinessLoop.Registration _names;
    private readonly ReadinessLoop.Registration _mountTable;
    private readonly Action _changed;
    private readonly byte[] _buffer = new byte[4096];
    private readonly string _directory;
    private string _mountsInDirectory;

    private NamespaceNamesWatch(FileDescriptorHandle inotify, FileDescriptorHandle mounts, string directory, Action changed)
    {
        _inotify = inotify;
        _mounts = mounts;
        _changed = changed;
        _directory = directory;
        _mountsInDirectory = MountsIn(directory);
        _names = ReadinessLoop.Shared.Register(inotify, ReadinessLoop.EPOLLIN, DrainNames);
        try
        {
            // Only priority data: the mount table file is always readable, and poll(2) on it clears the change it reports.
            _mountTable = ReadinessLoop.Shared.Register(mounts, ReadinessLoop.EPOLLPRI, MountsChanged);
        }
        catch
        {
            _names.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Calls <paramref name="changed"/> (on the event thread: it should only hand over) after a change to the names in
    /// <paramref name="directory"/> or to the mount table. Throws a <see cref="KernelException"/> when inotify is not
    /// available (the per-user instance limit, say), so that the caller can fall back to comparing on a timer.
    /// </summary>
    public static NamespaceNamesWatch Start(string directory, Action changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var fd = InotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
        {
            throw KernelException.FromLastError("inotify_init1", directory);
        }
        var inotify = new FileDescriptorHandle(fd);
        FileDescriptorHandle? mounts = null;
        try
        {
            if (InotifyAddWatch(inotify, directory, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF) < 0)
            {
                throw KernelException.FromLastError("inotify_add_watch", directory);
            }
            var m = Libc.Open("/proc/self/mountinfo", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            mounts = m >= 0 ? new FileDescriptorHandle(m) : throw KernelException.FromLastError("open", "/proc/self/mountinfo");
            return new NamespaceNamesWatch(inotify, mounts, RealPath(directory), changed);
        }
        catch
        {
            mounts?.Dispose();
            inotify.Dispose();
            throw;
        }
    }

    private unsafe bool DrainNames()
    {
        var any = false;
        fixed (byte* buffer = _buffer)
        {
            // Every event counts (an overflow too); the names themselves are the caller's to compare.
            while (Libc.Read(_inotify, buffer, _buffer.Length) > 0)
            {
                any = true;
            }
        }
        if (any)
        {
            _changed();
        }
        return true;
    }

    private bool MountsChanged()
    {
        var now = MountsIn(_directory);
        if (now != _mountsInDirectory)
        {
            _mountsInDirectory = now;
            _changed();
        }
        return true;
    }

    /// <summary>The mount table's lines (mount id, root, mount point...) of mounts at or below <paramref name="directory"/>.</summary>
    private static string MountsIn(string directory)
    {
        var lines = new System.Text.StringBuilder();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // Fields: mount id, parent id, major:minor, root, mount point, ... (a mount point with a space is octal-escaped).
            var fields = line.Split(' ', 6);
            if (fields.Length > 4 && (fields[4] == directory || fields[4].StartsWith(directory + "/", StringComparison.Ordinal)))
            {
                lines.AppendLine(line);
            }
        }
        return lines.ToString();
    }

    /// <summary><paramref name="path"/> with every symbolic link resolved, as the mount table names it (/var/run/netns is /run/netns).</summary>
    private static string RealPath(string path, int depth = 0)
    {
        var resolved = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(resolved, part);
            if (depth < 40 && new FileInfo(next).LinkTarget is { } target)
            {
                next = RealPath(Path.IsPathRooted(target) ? target : Path.Combine(resolved, target), depth + 1);
            }
            resolved = next;
        }
        return resolved;
    }

    public void Dispose()
    {
        _names.Dispose();
        _mountTable.Dispose();
        _inotify.Dispose();
        _mounts.Dispose();
    }

    [LibraryImport("libc.so.6", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int InotifyInit1(int flags);

    [LibraryImport("libc.so.6", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InotifyAddWatch(SafeHandle fd, string path, uint mask);
}
