using System.Diagnostics;

namespace Weft.Linux.Namespaces;

/// <summary>
/// Starts a long-running process inside a network namespace so that it no longer depends on its starter: a
/// session of its own (signals to the starter do not reach it), stdin from /dev/null, stdout and stderr
/// appended to a log file, and optionally a UTS namespace of its own with a hostname. The returned pid is
/// the command's own: the small shell in front of it only redirects and then execs.
/// </summary>
public static class DetachedProcess
{
    public static int Start(NetworkNamespace ns, IReadOnlyList<string> command, string logPath,
        IReadOnlyDictionary<string, string>? environment = null, string? hostname = null)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0)
        {
            throw new ArgumentException("a process needs a command", nameof(command));
        }
        // setsid and unshare are util-linux; neither forks when the caller is not a group leader, so pids stay.
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
        psi.ArgumentList.Add("weft-detached");
        psi.ArgumentList.Add(logPath);
        if (hostname is not null)
        {
            psi.ArgumentList.Add(hostname);
        }
        foreach (var arg in command)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var process = ns.StartProcess(psi);
        return process.Id;
    }
}
