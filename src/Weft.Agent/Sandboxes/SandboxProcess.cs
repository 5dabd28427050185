using System.Diagnostics;
using Weft.Cluster;
using Weft.Linux.Namespaces;
using Weft.Linux.Processes;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// The process of a sandbox: started detached inside its network namespace (and a UTS namespace of its own
/// when it has a hostname, and a mount namespace with its own resolv.conf and hosts), so it never depends on the agent being alive; found and ended again by pid,
/// but only while that pid is still the process the agent started.
/// </summary>
public static class SandboxProcess
{
    /// <summary>Starts the command; returns its pid and start time (null if it was gone before it could be read).</summary>
    public static (int Pid, long? StartTime) Start(NetworkNamespace ns, IReadOnlyList<string> command, SandboxSetup setup, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var pid = DetachedProcess.Start(ns, command, logPath, environment, setup);
        return (pid, ProcessStat.Read(pid)?.StartTime);
    }

    /// <summary>Whether the sandbox's recorded process still runs; see <see cref="IsRunningIn"/>.</summary>
    public static bool IsRunning(SandboxRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Pid is { } pid && IsRunningIn(pid, record.PidStartTime, record.NetworkNamespace, HostNamespace.Holds(record));
    }

    /// <summary>
    /// True when <paramref name="pid"/> is alive, is still the process that started at <paramref name="startTime"/>,
    /// and lives in the sandbox's network namespace: after the process ended, or an agent restart, a recorded pid
    /// may have been reused by an unrelated process, which must never be signalled. The namespace alone cannot tell
    /// them apart when it is shared (<paramref name="sharedNamespace"/>: the host's, where nearly every process
    /// lives), so there a start time is required.
    /// </summary>
    public static bool IsRunningIn(int pid, long? startTime, string namespacePath, bool sharedNamespace)
    {
        if (ProcessStat.Read(pid) is not { IsZombie: false } stat
            || (startTime is { } expected ? stat.StartTime != expected : sharedNamespace))
        {
            return false;
        }
        try
        {
            var processNs = new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
            if (processNs is null)
            {
                return false;
            }
            using var ns = NetworkNamespace.OpenPath(namespacePath);
            return processNs == ns.Identity;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Linux.KernelException)
        {
            return false;
        }
    }

    /// <summary>Ends the sandbox's process with SIGKILL if it is still the sandbox's.</summary>
    public static void Kill(SandboxRecord record)
    {
        if (!IsRunning(record))
        {
            return;
        }
        try
        {
            using var p = Process.GetProcessById(record.Pid!.Value);
            p.Kill();
            p.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException)
        {
            // It exited in between.
        }
    }
}
