using System.CommandLine;
using Weft.Cli.Output;
using Weft.Cli.Requests;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>
/// `weft exec`: runs a command inside a sandbox from this process, with this terminal, and exits with its exit
/// code. The agent only says where the sandbox's namespaces are; it needs to be on this host. Under `--format json` the
/// output is collected and printed as one object with the exit code (stdin is still this terminal's).
/// </summary>
internal sealed class ExecCommand : WeftCommand
{
    private readonly Option<string[]> _env = new("--env", "-e")
    {
        Description = "Environment variable for COMMAND, repeatable; a bare NAME passes this shell's value on",
        HelpName = "NAME=VALUE",
    };

    private readonly Option<bool> _interactive = new("--interactive", "-i")
    {
        Description = "Docker's -i, accepted: COMMAND always reads this terminal's stdin",
    };

    private readonly Option<bool> _tty = new("--tty", "-t")
    {
        Description = "Docker's -t, accepted: COMMAND always has this terminal",
    };

    private readonly Argument<string> _sandbox = new("SANDBOX") { Description = "Sandbox name, on this host" };

    private readonly Argument<string[]> _command = CommandArgument.Create("The command to run, with its arguments; its exit code is weft's");

    public ExecCommand(CliContext context)
        : base(context, "exec", "Run a command inside a sandbox's network namespace (needs root)", JsonOutput.Prints("{sandbox, command, exitCode, stdout, stderr}: the output is collected; -i/-t are refused (they need the terminal)"))
    {
        Add(_env);
        Add(_interactive);
        Add(_tty);
        Add(_sandbox);
        Add(_command);
    }

    /// <summary>Ctrl-C goes to the command in the sandbox, which may well ignore it (an interactive shell does).</summary>
    public override TimeSpan? TerminationGracePeriod => null;

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = Context.FormatOf(parseResult) == OutputFormat.Json;
        if (json)
        {
            RefuseTerminal(parseResult.GetValue(_interactive), parseResult.GetValue(_tty));
        }

        var environment = KeyValueArguments.ParseEnvironment(parseResult.GetValue(_env), Environment.GetEnvironmentVariable);
        using var agent = Context.ConnectToAgent(parseResult);
        var sandbox = await agent.InspectSandboxAsync(parseResult.GetRequiredValue(_sandbox), cancellationToken);
        var command = parseResult.GetRequiredValue(_command);
        if (!json)
        {
            return await Context.ProcessRunner.RunAsync(sandbox, command, environment, cancellationToken);
        }

        var run = await Context.ProcessRunner.RunCollectingAsync(sandbox, command, environment, cancellationToken);
        Context.WriteJson(new CommandRun(sandbox.Name, null, command, run.ExitCode, run.Stdout, run.Stderr), CliJsonContext.Default.CommandRun);
        return run.ExitCode;
    }

    /// <summary>
    /// -i and -t ask for this terminal, and `--format json` collects the command's output to print it as JSON: both
    /// cannot be had, so the combination is refused by name (exec and a foreground run alike).
    /// </summary>
    public static void RefuseTerminal(bool interactive, bool tty)
    {
        if (interactive || tty)
        {
            throw new UsageException($"--format json collects COMMAND's output, so it cannot have this terminal: drop {(interactive ? "-i/--interactive" : "-t/--tty")}, or --format json");
        }
    }
}
