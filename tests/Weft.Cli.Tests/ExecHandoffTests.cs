using System.Diagnostics;
using Weft.Linux.Processes;
using Weft.Testing;

namespace Weft.Cli.Tests;

/// <summary>weft-exec, the last step of every `run -d`, as it ships beside the weft under test.</summary>
public sealed class ExecHandoffTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wtt-handoff").FullName;

    public void Dispose() => TempDirectories.Remove(_dir);

    [Fact]
    public void The_command_gets_stdin_stdout_and_stderr_only_whatever_weft_exec_inherited()
    {
        var handoff = ExecHandoff.Beside(Path.GetDirectoryName(WeftBinary.Command[^1])!, "dotnet")
            ?? throw new FileNotFoundException($"no {ExecHandoff.ExecutableName} beside {WeftBinary.Command[^1]}");
        // The shell leaves descriptor 7 open across its exec of weft-exec, as a starter's stray pipe would be.
        var start = new ProcessStartInfo("sh") { RedirectStandardError = true };
        foreach (var argument in (string[])["-c", "exec 7</dev/null; exec \"$@\"", "sh", .. handoff.Command(Path.Combine(_dir, "out.log"), ["sleep", "30"])])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        try
        {
            // The error pipe closes empty when the command's own exec succeeded: then the pid is sleep's.
            Assert.Equal("", process.StandardError.ReadToEnd());
            Assert.EndsWith("sleep", File.ReadAllText($"/proc/{process.Id}/comm").Trim(), StringComparison.Ordinal);
            Assert.Equal(["0", "1", "2"], Directory.GetFiles($"/proc/{process.Id}/fd").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }
}
