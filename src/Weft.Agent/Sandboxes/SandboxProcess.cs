using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux.Namespaces;
using Weft.Linux.Processes;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// The processes of a sandbox: started detached inside its network namespace (and a UTS namespace of its own when it
/// has a hostname, and a mount namespace with its own resolv.conf and hosts), so they never depend on the agent being
/// alive; marked with <see cref="SandboxMark"/>, so all of them, children included, are found and ended again by the mark
/// alone; and told running or not by the recorded pid, but only while that pid is still the process the agent started.
/// </summary>
public static class SandboxProcess
{
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Starts the command marked as the sandbox's; returns its pid and start time (null if it was gone before it could be read).</summary>
    /// <exception cref="WeftValidationException">exec-failed: the command is missing or not executable, or its setup failed.</exception>
    public static (int Pid, long? StartTime) Start(NetworkNamespace ns, string hostName, SandboxRecord sandbox, SandboxSetup setup,
        IReadOnlyDictionary<string, string> environment, string logPath, ExecHandoff? handoff)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        try
        {
            var pid = DetachedProcess.Start(ns, sandbox.Command, logPath, EnvironmentOf(hostName, sandbox, environment), setup, handoff, inheritEnvironment: false);
            return (pid, ProcessStat.Read(pid)?.StartTime);
        }
        catch (ProcessNotStartedException e)
        {
            // As `docker run -d` does: the caller hears why, and the sandbox is undone (its intent), not kept half-made.
            throw new WeftValidationException(ErrorCodes.ExecFailed, $"sandbox {sandbox.Name}: {e.Message}") { ExitCode = e.ExitCode };
        }
    }

    /// <summary>
    /// The command's environment, as a container's is made: PATH, HOME and (with a hostname of its own) HOSTNAME, then the
    /// sandbox's own variables (`-e`, which may replace those), then the mark. Never the agent's: its unit's NOTIFY_SOCKET
    /// and options, or in a lab the whole shell that started it.
    /// </summary>
    private static Dictionary<string, string> EnvironmentOf(string hostName, SandboxRecord sandbox, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(environment);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = ExecHandoffEntry.DefaultPath, ["HOME"] = "/root" };
        if (sandbox.Hostname is { } name)
        {
            variables["HOSTNAME"] = name;
        }
        foreach (var (key, value) in environment)
        {
            variables[key] = value;
        }
        variables[SandboxMark.Variable] = SandboxMark.Value(hostName, sandbox.Id);
        return variables;
    }

    /// <summary>Ends every process marked as the sandbox's (SIGKILL, children too); returns how many.</summary>
    public static int KillAll(string hostName, string sandboxId) =>
        MarkedProcesses.KillAll(SandboxMark.Variable, v => v == SandboxMark.Value(hostName, sandboxId), KillTimeout);

    /// <summary>Sends a signal to every process marked as the sandbox's; returns how many got it (0: nothing runs).</summary>
    public static int SignalAll(string hostName, string sandboxId, int signal) =>
        MarkedProcesses.SignalAll(SandboxMark.Variable, v => v == SandboxMark.Value(hostName, sandboxId), signal);

    /// <summary>
    /// `weft stop`: SIGTERM to every process of the sandbox, and SIGKILL to what still runs after <paramref name="grace"/>,
    /// as `docker stop` does. Returns whether anything was running.
    /// </summary>
    public static async Task<bool> StopAsync(string hostName, string sandboxId, TimeSpan grace, CancellationToken ct)
    {
        const int sigterm = 15;
        Func<string, bool> mine = v => v == SandboxMark.Value(hostName, sandboxId);
        if (MarkedProcesses.SignalAll(SandboxMark.Variable, mine, sigterm) == 0)
        {
            return false;
        }
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && MarkedProcesses.AnyAlive(SandboxMark.Variable, mine))
        {
            await Task.Delay(50, ct);
        }
        KillAll(hostName, sandboxId);
        return true;
    }

    /// <summary>Ends every process of <paramref name="hostName"/>'s sandboxes that <paramref name="keep"/> does not claim; returns how many.</summary>
    public static int KillStrays(string hostName, Func<string, bool> keep) =>
        MarkedProcesses.KillAll(SandboxMark.Variable, v => SandboxMark.SandboxIdOf(v, hostName) is { } id && !keep(id), KillTimeout);

    /// <summary>
    /// "running", "exited" (its process ended), "created" (it never had one), or "remote" (another host's); for a container
    /// engine's sandbox the engine's name ("docker", "cni"): its processes are the engine's to run and to report.
    /// </summary>
    public static string StateOf(SandboxRecord record, string hostId)
    {
        ArgumentNullException.ThrowIfNull(record);
        switch (record.Engine)
        {
            case SandboxEngine.Docker:
                return "docker";
            case SandboxEngine.Cni:
                return "cni";
            case SandboxEngine.Weft:
                break;
        }
        if (record.HostId != hostId)
        {
            return record.Pid is null ? "created" : "remote";
        }
        return record.Pid is null ? "created" : IsRunning(record) ? "running" : "exited";
    }

    /// <summary>Whether the sandbox's recorded process still runs; see <see cref="IsRunningIn"/>.</summary>
    public static bool IsRunning(SandboxRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Pid is { } pid && IsRunningIn(pid, record.PidStartTime, record.NetworkNamespace, SandboxRules.SharesHostNamespace(record));
    }

    /// <summary>
    /// True when <paramref name="pid"/> is alive, is still the process that started at <paramref name="startTime"/>, and
    /// lives in the sandbox's network namespace: after the process ended, or an agent restart, a recorded pid may have
    /// been reused by an unrelated process. The namespace alone cannot tell them apart when it is shared
    /// (<paramref name="sharedNamespace"/>: the host's, where nearly every process lives), so there a start time is required.
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
}
