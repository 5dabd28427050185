using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Weft.Api;
using Weft.Core.Naming;
using Weft.Linux.Interop;
using Weft.Linux.Namespaces;

namespace Weft.Cli.Execution;

/// <summary>
/// Runs a command inside a sandbox by entering its namespaces in this process, the way `ip netns exec` and
/// `nsenter` do; the agent is not involved beyond telling where the namespaces are. The child is forked from a
/// dedicated thread that has joined the sandbox's network namespace (<see cref="NetworkNamespace.StartProcess"/>),
/// so it inherits that namespace while this process and its other threads stay in the host's.
/// </summary>
internal sealed class NamespaceProcessRunner : ISandboxProcessRunner
{
    public async Task<int> RunAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken) =>
        (await RunAsync(sandbox, command, environment, collect: false, cancellationToken)).ExitCode;

    public Task<CollectedOutput> RunCollectingAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken) =>
        RunAsync(sandbox, command, environment, collect: true, cancellationToken);

    private static async Task<CollectedOutput> RunAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, bool collect,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        if (command.Count == 0)
        {
            throw new ArgumentException("a command is needed", nameof(command));
        }

        using var networkNamespace = NetworkNamespace.OpenPath(sandbox.NetworkNamespace, $"sandbox {sandbox.Name}");

        // The command sees what the sandbox's own process sees: its hostname and its resolv.conf and hosts, set up
        // afresh in namespaces of the command's own (a multi-threaded process cannot join another mount namespace).
        var setup = new SandboxSetup(sandbox.Hostname, [.. Binds(sandbox)]);
        RequireExecutable(command[0]);
        var startInfo = setup.StartInfo(command);
        startInfo.RedirectStandardOutput = collect;
        startInfo.RedirectStandardError = collect;

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }
        // Marked as the sandbox's, like the agent's own process of it: `weft rm -f` ends it with the sandbox.
        startInfo.Environment[SandboxMark.Variable] = SandboxMark.Value(sandbox.Host, sandbox.Id);

        // The terminal sends Ctrl-C and Ctrl-\ to the whole foreground process group, the child included. The child
        // decides what they mean; this process only waits for it and passes its exit code on.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, KeepRunning);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, KeepRunning);

        using var process = Start(networkNamespace, startInfo);
        var stdout = collect ? process.StandardOutput.ReadToEndAsync(cancellationToken) : Task.FromResult("");
        var stderr = collect ? process.StandardError.ReadToEndAsync(cancellationToken) : Task.FromResult("");
        await process.WaitForExitAsync(cancellationToken);
        return new CollectedOutput(process.ExitCode, await stdout, await stderr);
    }

    private static IEnumerable<FileBind> Binds(SandboxDetail sandbox)
    {
        foreach (var (file, target) in new[] { (sandbox.ResolvConf, "/etc/resolv.conf"), (sandbox.HostsFile, "/etc/hosts") })
        {
            if (file is null)
            {
                continue;
            }
            // The agent removes these files with the sandbox: say so, rather than let mount name a "special device".
            if (!File.Exists(file))
            {
                throw new CommandNotStartedException(ExitCodes.Failure, $"sandbox {sandbox.Name}: {file} (its {target}) is missing; is the sandbox being removed?");
            }
            yield return new FileBind(file, target);
        }
    }

    /// <summary>
    /// Finds the command as the shell would, so a missing one is reported as such here rather than by the small
    /// shell that sets the sandbox up (whose message would name itself).
    /// </summary>
    private static void RequireExecutable(string name)
    {
        var candidates = name.Contains('/', StringComparison.Ordinal)
            ? [name]
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                .Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name));
        var found = candidates.Where(File.Exists).ToList();
        if (found.Count == 0)
        {
            throw new CommandNotStartedException(ExitCodes.CommandNotFound, $"{name}: command not found");
        }
        if (!found.Any(f => (File.GetUnixFileMode(f) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
        {
            throw new CommandNotStartedException(ExitCodes.CommandNotExecutable, $"{name}: cannot run: permission denied");
        }
    }

    private static Process Start(NetworkNamespace networkNamespace, ProcessStartInfo startInfo)
    {
        try
        {
            return networkNamespace.StartProcess(startInfo);
        }
        catch (Win32Exception e)
        {
            var notFound = e.NativeErrorCode == Errno.ENOENT;
            throw new CommandNotStartedException(
                notFound ? ExitCodes.CommandNotFound : ExitCodes.CommandNotExecutable,
                notFound ? $"{startInfo.FileName}: command not found" : $"{startInfo.FileName}: cannot run: {e.Message}",
                e);
        }
    }

    private static void KeepRunning(PosixSignalContext context) => context.Cancel = true;
}
