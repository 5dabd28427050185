namespace Weft.Cli.Execution;

/// <summary>
/// The command for a sandbox could not be started at all. It carries the shell's exit code for that case
/// (127 not found, 126 not executable), so a script can tell it from the command's own failure.
/// </summary>
internal sealed class CommandNotStartedException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
