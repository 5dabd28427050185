using System.CommandLine;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>
/// `weft stop`: as `docker stop`, SIGTERM to every process of each sandbox, then SIGKILL to what still runs after the
/// timeout. The sandbox keeps its namespace, endpoints, addresses and DNS names; `ps -a` shows it exited.
/// </summary>
internal sealed class StopCommand : WeftCommand
{
    private readonly Option<int> _time = new("--time", "-t")
    {
        Description = "Seconds to wait after SIGTERM before SIGKILL",
        DefaultValueFactory = _ => 10,
    };

    private readonly Argument<string[]> _sandboxes = new("SANDBOX") { Description = "Sandbox names, on this host", Arity = ArgumentArity.OneOrMore };

    public StopCommand(CliContext context)
        : base(context, "stop", "Stop sandboxes' processes (SIGTERM, then SIGKILL); the sandboxes and their addresses stay", JsonOutput.Prints("an array of the names stopped"))
    {
        Add(_time);
        Add(_sandboxes);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var time = parseResult.GetValue(_time);
        if (time < 0)
        {
            throw new UsageException($"--time must be 0 or more, not {time}");
        }

        return RemoveEach.RunAsync(Context, parseResult, parseResult.GetRequiredValue(_sandboxes),
            (agent, name) => agent.StopSandboxAsync(name, time, cancellationToken));
    }
}

/// <summary>`weft start`: runs each stopped sandbox's command (from `run -d`) again, with its environment, in the same namespace and addresses.</summary>
internal sealed class StartCommand : WeftCommand
{
    private readonly Argument<string[]> _sandboxes = new("SANDBOX") { Description = "Sandbox names, on this host", Arity = ArgumentArity.OneOrMore };

    public StartCommand(CliContext context)
        : base(context, "start", "Start stopped sandboxes' commands again (a running one is left as it is)", JsonOutput.Prints("an array of the names started"))
    {
        Add(_sandboxes);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        RemoveEach.RunAsync(Context, parseResult, parseResult.GetRequiredValue(_sandboxes),
            (agent, name) => agent.StartSandboxAsync(name, cancellationToken));
}

/// <summary>`weft kill`: one signal (SIGKILL unless -s) to every process of each sandbox; a sandbox with none running is an error.</summary>
internal sealed class KillCommand : WeftCommand
{
    private static readonly Dictionary<string, int> Signals = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["KILL"] = 9, ["USR1"] = 10, ["USR2"] = 12, ["TERM"] = 15, ["CONT"] = 18, ["STOP"] = 19,
    };

    private readonly Option<string> _signal = new("--signal", "-s")
    {
        Description = $"The signal, by name ({string.Join(", ", Signals.Keys)}, with or without SIG) or number",
        DefaultValueFactory = _ => "KILL",
        HelpName = "SIGNAL",
    };

    private readonly Argument<string[]> _sandboxes = new("SANDBOX") { Description = "Sandbox names, on this host", Arity = ArgumentArity.OneOrMore };

    public KillCommand(CliContext context)
        : base(context, "kill", "Send a signal to sandboxes' processes", JsonOutput.Prints("an array of the names signalled"))
    {
        Add(_signal);
        Add(_sandboxes);
    }

    /// <summary>`KILL`, `SIGKILL`, `kill` or `9`; anything else is refused by name.</summary>
    public static int ParseSignal(string text)
    {
        var name = text.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (Signals.TryGetValue(name, out var number))
        {
            return number;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number) && number is >= 1 and <= 64
            ? number
            : throw new UsageException($"--signal '{text}' is not a signal name ({string.Join(", ", Signals.Keys)}) or number (1-64)");
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var signal = ParseSignal(parseResult.GetRequiredValue(_signal));
        return RemoveEach.RunAsync(Context, parseResult, parseResult.GetRequiredValue(_sandboxes),
            (agent, name) => agent.KillSandboxAsync(name, signal, cancellationToken));
    }
}
