using System.Runtime.InteropServices;

namespace Weft.Linux.Processes;

/// <summary>
/// Stop, continue and terminate signals for processes the caller started and recorded itself (the lab's etcd), by pid.
/// </summary>
public static partial class ProcessSignals
{
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    private const int ESRCH = 3;

    /// <summary>Sends <paramref name="signal"/>; false when the process no longer exists.</summary>
    /// <exception cref="KernelException">The kernel refused for another reason (EPERM).</exception>
    public static bool Send(int pid, int signal)
    {
        if (Kill(pid, signal) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == ESRCH ? false : throw new KernelException(errno, "kill", $"pid {pid} signal {signal}");
    }

    /// <summary>True while the process is stopped (state T in /proc/PID/stat): SIGSTOP reached it.</summary>
    public static bool IsStopped(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.AsSpan(stat.LastIndexOf(')') + 2).StartsWith("T", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
