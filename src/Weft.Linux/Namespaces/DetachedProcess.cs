using Weft.Linux.Processes;

namespace Weft.Linux.Namespaces;

/// <summary>
/// Starts a long-running process inside a network namespace so that it no longer depends on its starter: a
/// session of its own (signals to the starter do not reach it), stdin from /dev/null, stdout and stderr
/// appended to a log file, none of the starter's other descriptors (<see cref="InheritedDescriptors"/>), and
/// optionally a <see cref="SandboxSetup"/> (hostname, bound files). The returned pid is the command's own: what runs
/// in front of it only sets up and then execs. With an <see cref="ExecHandoff"/>, the command's exec itself is checked
/// too (a script whose interpreter is missing fails here, not only in the log).
/// </summary>
public static class DetachedProcess
{
    /// <param name="inheritEnvironment">false: <paramref name="environment"/> is all the process gets, none of this process's variables.</param>
    /// <exception cref="ProcessNotStartedException">The setup failed, or the command is missing or not executable; nothing runs.</exception>
    public static int Start(NetworkNamespace ns, IReadOnlyList<string> command, string logPath,
        IReadOnlyDictionary<string, string>? environment = null, SandboxSetup? setup = null, ExecHandoff? handoff = null,
        bool inheritEnvironment = true)
    {
        ArgumentNullException.ThrowIfNull(ns);
        // It outlives this process, so it must not hold what this process inherited: a caller's pipe would never see its end.
        InheritedDescriptors.CloseOnExec();
        setup ??= SandboxSetup.None;
        // The handoff does the log's redirections and the exec itself, so the setup's shell (if any) only execs it.
        var psi = handoff is null
            ? setup.StartInfo(command, logPath, newSession: true)
            : setup.StartInfo(handoff.Command(logPath, command), logPath: null, newSession: true);
        psi.WorkingDirectory = "/";
        // Until the command's exec points it at the log, stderr is this pipe: it closes empty when the command starts,
        // and carries the reason when it cannot (the launcher's setup, the command's lookup, or with a handoff its exec).
        psi.RedirectStandardError = true;
        if (!inheritEnvironment)
        {
            psi.Environment.Clear();
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var process = ns.StartProcess(psi);
        var failure = process.StandardError.ReadToEnd().Trim();
        if (failure.Length == 0)
        {
            return process.Id;
        }
        process.WaitForExit();
        throw new ProcessNotStartedException(process.ExitCode, failure);
    }
}

/// <summary>
/// A detached command never ran: its setup failed (exit code 125) or it is missing (127) or not executable (126; also an
/// exec format error). The message is the reason as the launcher wrote it, e.g. `exec: "foo": executable file not found in $PATH`.
/// </summary>
public sealed class ProcessNotStartedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
