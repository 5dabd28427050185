namespace Weft.Linux.Processes;

/// <summary>
/// How a detached start hands its last step to <see cref="ExecHandoffEntry"/> in the weft executable: the words that run
/// it (`/usr/bin/weft __sandbox-exec`, or `dotnet weft.dll __sandbox-exec`). The entry points the command's output at
/// the log and execs it, keeping the starter's error pipe open (close-on-exec) until that exec succeeded, so a command
/// whose exec fails (a script's missing interpreter, a foreign binary) is reported with the exec's own error, where a
/// shell's `exec` could only write it into the log.
/// </summary>
public sealed record ExecHandoff(IReadOnlyList<string> Executable)
{
    /// <summary>The hidden first argument of weft that runs <see cref="ExecHandoffEntry.Run"/>.</summary>
    public const string EntryName = "__sandbox-exec";

    /// <summary>The handoff in this very executable: <paramref name="self"/> are the words that run weft again.</summary>
    public static ExecHandoff Of(IReadOnlyList<string> self) => new([.. self, EntryName]);

    /// <summary>The command line that runs <paramref name="command"/> through the handoff, its output appended to <paramref name="logPath"/>.</summary>
    public IReadOnlyList<string> Command(string logPath, IReadOnlyList<string> command) => [.. Executable, logPath, "--", .. command];
}
