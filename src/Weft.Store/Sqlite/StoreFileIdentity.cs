using System.Runtime.InteropServices;

namespace Weft.Store.Sqlite;

/// <summary>
/// The device and inode of the store file this process opened, compared with what its path names now. SQLite keeps
/// writing through descriptors it holds, so a store file deleted or replaced under running agents would go on
/// "working" for them while every other process (a restarted agent, the next one) opens another file: a split brain
/// nobody notices. Checked on every write, on the change feed's wake-ups (inotify sees the delete or rename) and at
/// its safety poll; once it differs, the store stays unusable for this process.
/// </summary>
internal sealed partial class StoreFileIdentity
{
    private readonly string _path;
    private readonly (ulong Device, ulong Inode) _opened;
    private volatile string? _problem;

    private StoreFileIdentity(string path, (ulong, ulong) opened)
    {
        _path = path;
        _opened = opened;
    }

    /// <summary>Right after the file was opened: what the path names is the file this process holds.</summary>
    public static StoreFileIdentity Of(string path) =>
        new(path, Stat(path) ?? throw new IOException($"store file {path} vanished right after it was opened"));

    /// <summary>Why the file this process holds is no longer the store's (sticky); null while it still is.</summary>
    public string? Problem => _problem;

    /// <summary>Looks at the path again; returns <see cref="Problem"/>.</summary>
    public string? Check()
    {
        if (_problem is null && Stat(_path) is var now && now != _opened)
        {
            _problem = $"store file {_path} was {(now is null ? "deleted" : "replaced by another file")} while this process had it open "
                + $"(inode {_opened.Inode}{(now is { } n ? $", the path now names inode {n.Inode}" : "")}); its writes would reach no other process. "
                + "Restore the file, then restart this agent";
        }
        return _problem;
    }

    private static unsafe (ulong Device, ulong Inode)? Stat(string path)
    {
        // struct stat starts with st_dev and st_ino (both 64-bit) on x86_64 and aarch64; the buffer covers the whole struct.
        var buffer = stackalloc ulong[32];
        return StatNative(path, buffer) == 0 ? (buffer[0], buffer[1]) : null;
    }

    [LibraryImport("libc.so.6", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatNative(string path, ulong* buffer);
}
