namespace Weft.Linux.Processes;

/// <summary>
/// How a detached start hands its last step to <see cref="ExecHandoffEntry"/>, run by the small `weft-exec` executable
/// that ships beside weft: the words that run it. The entry points the command's output at the log and execs it,
/// keeping the starter's error pipe open (close-on-exec) until that exec succeeded, so a command whose exec fails (a
/// script's missing interpreter, a foreign binary) is reported with the exec's own error, where a shell's `exec` could
/// only write it into the log.
/// </summary>
public sealed record ExecHandoff(IReadOnlyList<string> Executable)
{
    /// <summary>The executable that runs <see cref="ExecHandoffEntry.Run"/> (src/Weft.Exec).</summary>
    public const string ExecutableName = "weft-exec";

    /// <summary>
    /// The weft-exec in <paramref name="directory"/> (the running weft's own): its NativeAOT executable, or in a JIT build
    /// run by <paramref name="dotnetHost"/> its assembly run by that host (an apphost would need to find the runtime in
    /// the command's environment). Null when there is none there.
    /// </summary>
    public static ExecHandoff? Beside(string directory, string? dotnetHost = null)
    {
        var executable = Path.Combine(directory, ExecutableName);
        if (dotnetHost is not null && File.Exists(executable + ".dll"))
        {
            return new([dotnetHost, executable + ".dll"]);
        }
        return File.Exists(executable) ? new([executable]) : null;
    }

    /// <summary>The command line that runs <paramref name="command"/> through the handoff, its output appended to <paramref name="logPath"/>.</summary>
    public IReadOnlyList<string> Command(string logPath, IReadOnlyList<string> command) => [.. Executable, logPath, "--", .. command];
}
