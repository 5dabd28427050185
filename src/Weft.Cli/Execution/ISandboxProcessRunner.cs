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
}
