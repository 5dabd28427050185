using Weft.Api;

namespace Weft.Cli.Execution;

/// <summary>Runs a command inside a sandbox, in the foreground, for `weft exec` and `weft run` without -d.</summary>
internal interface ISandboxProcessRunner
{
    /// <summary>
    /// Starts <paramref name="command"/> inside <paramref name="sandbox"/>'s namespaces with this process's stdin,
    /// stdout and stderr, waits for it, and returns its exit code (128 + signal number when a signal ended it).
    /// </summary>
    /// <param name="environment">Added to (or overriding) this process's own environment.</param>
    /// <exception cref="CommandNotStartedException">The command does not exist or cannot be executed.</exception>
    Task<int> RunAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken);

    /// <summary>
    /// The same, but with stdout and stderr collected instead of this process's (`--format json`); stdin is still this
    /// process's. Returns the exit code and what the command wrote, as UTF-8 text.
    /// </summary>
    /// <exception cref="CommandNotStartedException">The command does not exist or cannot be executed.</exception>
    Task<CollectedOutput> RunCollectingAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken);
}

/// <summary>A command's exit code and what it wrote to stdout and stderr.</summary>
internal sealed record CollectedOutput(int ExitCode, string Stdout, string Stderr);
