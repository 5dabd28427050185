using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Files;

/// <summary>
/// POSIX record locks (fcntl F_SETLKW / F_GETLK) on a byte range of a file: the locks SQLite takes on its files, so
/// a process holding one looks to every SQLite connection exactly like another SQLite process holding it. They belong
/// to the process and go with it, however it ends.
/// </summary>
public static partial class RecordLock
{
    private const int F_GETLK = 5;
    private const int F_SETLKW = 7;
    private const short F_WRLCK = 1;
    private const short F_UNLCK = 2;
    private const int O_RDWR = 2;
    private const int EINTR = 4;

    /// <summary>
    /// Takes a write lock on <paramref name="length"/> bytes at <paramref name="offset"/> of <paramref name="path"/>,
    /// waiting for whoever holds it, and returns the open descriptor that holds it: the lock lasts until it is
    /// disposed or this process ends.
    /// </summary>
    public static unsafe FileDescriptorHandle Take(string path, long offset, long length)
    {
        var fd = Open(path, O_RDWR | 0x80000 /* O_CLOEXEC */);
        if (fd < 0)
        {
            throw new KernelException(Marshal.GetLastPInvokeError(), "open", path);
        }
        var handle = new FileDescriptorHandle(fd);
        var request = new Flock { Type = F_WRLCK, Whence = 0, Start = offset, Length = length };
        while (Fcntl(fd, F_SETLKW, &request) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                handle.Dispose();
                throw new KernelException(errno, "fcntl(F_SETLKW)", $"{path} bytes {offset}+{length}");
            }
        }
        return handle;
    }

    /// <summary>The pid of a process holding a lock that would conflict with a write lock on the range; null when none does.</summary>
    public static unsafe int? Holder(string path, long offset, long length)
    {
        var fd = Open(path, O_RDWR | 0x80000 /* O_CLOEXEC */);
        if (fd < 0)
        {
            return null;
        }
        using var handle = new FileDescriptorHandle(fd);
        var query = new Flock { Type = F_WRLCK, Whence = 0, Start = offset, Length = length };
        if (Fcntl(fd, F_GETLK, &query) != 0)
        {
            throw new KernelException(Marshal.GetLastPInvokeError(), "fcntl(F_GETLK)", path);
        }
        return query.Type == F_UNLCK ? null : query.Pid;
    }

    /// <summary>struct flock on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fcntl", SetLastError = true)]
    private static unsafe partial int Fcntl(int fd, int command, Flock* request);
}
