using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Files;

/// <summary>
/// An exclusive flock(2) on a lock file, for a read-modify-write of another file that several processes (or threads)
/// may do at once. flock belongs to the open file description, so two opens conflict even inside one process, and
/// the kernel releases it when the descriptor closes, however the process ends.
/// </summary>
public static partial class FileLock
{
    private const int O_RDWR = 2;
    private const int O_CREAT = 0x40;
    private const int O_CLOEXEC = 0x80000;
    private const int LOCK_EX = 2;
    private const int EINTR = 4;

    /// <summary>Creates <paramref name="path"/> if needed, waits for its exclusive lock, and holds it until disposed.</summary>
    public static FileDescriptorHandle Exclusive(string path)
    {
        var fd = Open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0)
        {
            throw new KernelException(Marshal.GetLastPInvokeError(), "open", path);
        }
        var handle = new FileDescriptorHandle(fd);
        while (Flock(fd, LOCK_EX) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                handle.Dispose();
                throw new KernelException(errno, "flock(LOCK_EX)", path);
            }
        }
        return handle;
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
