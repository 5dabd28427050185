using System.Diagnostics;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// The process of a sandbox: started detached inside its network namespace (and a UTS namespace of its own
/// when it has a hostname, and a mount namespace with its own resolv.conf and hosts), so it never depends on the agent being alive; found and ended again by pid,
/// but only while that pid still lives in the sandbox.
/// </summary>
public static class SandboxProcess
{
    public static int Start(NetworkNamespace ns, IReadOnlyList<string> command, SandboxSetup setup, IReadOnlyDictionary<string, string> environment, string logPath) =>
        DetachedProcess.Start(ns, command, logPath, environment, setup);

    /// <summary>
    /// True when <paramref name="pid"/> is alive and still in the sandbox's network namespace: after an agent
    /// restart a recorded pid may have been reused by an unrelated process, which must never be signalled.
    /// </summary>
    public static bool IsRunningIn(int pid, string namespacePath)
    {
        try
        {
            var processNs = new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
            if (processNs is null || File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
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

    /// <summary>Ends the process with SIGKILL if it is still the sandbox's.</summary>
    public static void Kill(int pid, string namespacePath)
    {
        if (!IsRunningIn(pid, namespacePath))
        {
            return;
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
            p.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException)
        {
            // It exited in between.
        }
    }
}
