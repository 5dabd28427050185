namespace Weft.Linux.Namespaces;

/// <summary>
/// Starts a long-running process inside a network namespace so that it no longer depends on its starter: a
/// session of its own (signals to the starter do not reach it), stdin from /dev/null, stdout and stderr
/// appended to a log file, and optionally a <see cref="SandboxSetup"/> (hostname, bound files). The returned
/// pid is the command's own: what runs in front of it only sets up and then execs.
/// </summary>
public static class DetachedProcess
{
    public static int Start(NetworkNamespace ns, IReadOnlyList<string> command, string logPath,
        IReadOnlyDictionary<string, string>? environment = null, SandboxSetup? setup = null)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var psi = (setup ?? SandboxSetup.None).StartInfo(command, logPath, newSession: true);
        psi.WorkingDirectory = "/";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var process = ns.StartProcess(psi);
        return process.Id;
    }
}
