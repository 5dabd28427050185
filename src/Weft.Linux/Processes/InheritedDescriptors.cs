using System.Globalization;
using Weft.Linux.Interop;

namespace Weft.Linux.Processes;

/// <summary>
/// The descriptors a process holds beyond stdin, stdout and stderr, made close-on-exec, so that nothing it starts from then
/// on inherits them. A starter's stray descriptors (a shell's, a CI runner's pipe) otherwise pass from `weft lab up` to
/// every agent and engine, and from an agent to every sandbox: a sandbox's command must start with exactly 0, 1 and 2,
/// as a container's does. Descriptors .NET opens are close-on-exec already; this catches the inherited ones.
/// </summary>
public static class InheritedDescriptors
{
    /// <summary>Marks every descriptor from 3 up close-on-exec; open descriptors stay open in this process.</summary>
    /// <exception cref="KernelException">Neither close_range(2) nor the /proc/self/fd walk could mark them.</exception>
    public static void CloseOnExec()
    {
        // One call since Linux 5.11 (Debian 12 has 6.1); older kernels refuse the flag, and then each one is marked.
        if (Libc.CloseRange(3, uint.MaxValue, Libc.CLOSE_RANGE_CLOEXEC) == 0)
        {
            return;
        }
        foreach (var entry in Directory.GetFiles("/proc/self/fd"))
        {
            var fd = int.Parse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture);
            // The directory's own descriptor is gone by now (EBADF), which is fine.
            if (fd >= 3 && Libc.Fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC) < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EBADF)
            {
                throw KernelException.FromLastError("mark close-on-exec", $"descriptor {fd}");
            }
        }
    }
}
