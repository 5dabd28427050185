using System.CommandLine;
using Weft.Cli.Commands;
using Weft.Cli.Execution;

namespace Weft.Cli.Tests.Support;

/// <summary>What one in-process run of `weft` printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the CLI's real entry point in this process, with its output captured.</summary>
internal static class InProcessCli
{
    public static Task<CliResult> RunAsync(ISandboxProcessRunner? runner, params string[] args) =>
        RunAsync(Program.CommandGroups, runner, args);

    /// <summary>Runs with other command groups than the real ones, such as one that fails on purpose.</summary>
    public static async Task<CliResult> RunAsync(IEnumerable<ICommandGroup> groups, ISandboxProcessRunner? runner, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CliContext(new CliConsole(stdout, stderr), runner ?? new FakeProcessRunner());
        var exitCode = await WeftCli.RunAsync(args, context, groups);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Parses a command line with the real command tree, for tests of what a command would send.</summary>
    public static (ParseResult Result, TCommand Command) Parse<TCommand>(params string[] args)
        where TCommand : Command
    {
        var context = new CliContext(new CliConsole(TextWriter.Null, TextWriter.Null), new FakeProcessRunner());
        var (result, refusal) = WeftCli.Parse(WeftCli.BuildRoot(context, Program.CommandGroups), args);
        Assert.Null(refusal);
        return (result, Assert.IsType<TCommand>(result.CommandResult.Command));
    }
}
