using System.Diagnostics;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// The process of a sandbox: started inside its network namespace, in a UTS namespace of its own when it
/// has a hostname, in a session of its own so that signals to the agent do not reach it, with output
/// appended to a log file so that it never depends on the agent being alive.
/// </summary>
public static class SandboxProcess
{
    public static int Start(NetworkNamespace ns, IReadOnlyList<string> command, string? hostname, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        if (command.Count == 0)
        {
            throw new ArgumentException("a sandbox process needs a command", nameof(command));
        }
        // setsid (util-linux) gives the process its own session; unshare --uts its own hostname; the shell only
        // sets the hostname and redirects, then execs the command, so the pid we return is the command's.
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = "/" };
        if (hostname is not null)
        {
            psi.ArgumentList.Add("unshare");
            psi.ArgumentList.Add("--uts");
        }
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(hostname is null
            ? "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null"
            : "log=$1; hostname \"$2\" || exit 125; shift 2; exec \"$@\" >>\"$log\" 2>&1 </dev/null");
        psi.ArgumentList.Add("weft-sandbox");
        psi.ArgumentList.Add(logPath);
        if (hostname is not null)
        {
            psi.ArgumentList.Add(hostname);
        }
        foreach (var arg in command)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }
        using var process = ns.StartProcess(psi);
        return process.Id;
    }

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
