using Weft.Linux.Interop;

namespace Weft.Linux.Processes;

/// <summary>The signals Weft sends to a process it started and knows by pid.</summary>
public enum ProcessSignal
{
    /// <summary>Asks it to stop, as a service manager does.</summary>
    Terminate = Libc.SIGTERM,

    /// <summary>Ends it at once, as a crash or an OOM kill would.</summary>
    Kill = Libc.SIGKILL,

    /// <summary>Freezes it where it is.</summary>
    Stop = Libc.SIGSTOP,

    /// <summary>Lets a frozen process run on.</summary>
    Continue = Libc.SIGCONT,
}

/// <summary>Sends signals through a pidfd, so the process signalled is the one that held the pid when it was opened.</summary>
public static class ProcessSignals
{
    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when no such process exists.</summary>
    public static bool Send(int pid, ProcessSignal signal)
    {
        var fd = Libc.PidfdOpen(pid, 0);
        if (fd < 0)
        {
            return false;
        }
        using var pidfd = new FileDescriptorHandle(fd);
        return Libc.PidfdSendSignal(pidfd, (int)signal, 0, 0) == 0;
    }
}
