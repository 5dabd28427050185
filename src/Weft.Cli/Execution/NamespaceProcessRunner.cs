using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Weft.Api;
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
    public async Task<int> RunAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        if (command.Count == 0)
        {
            throw new ArgumentException("a command is needed", nameof(command));
        }

        // Weft.Linux can enter only network namespaces so far. A sandbox with its own UTS namespace
        // (SandboxDetail.UtsNamespace) therefore still shows the host's hostname to the command.
        using var networkNamespace = NetworkNamespace.OpenPath(sandbox.NetworkNamespace, $"sandbox {sandbox.Name}");

        var startInfo = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        // The terminal sends Ctrl-C and Ctrl-\ to the whole foreground process group, the child included. The child
        // decides what they mean; this process only waits for it and passes its exit code on.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, KeepRunning);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, KeepRunning);

        using var process = Start(networkNamespace, startInfo);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
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
