using System.CommandLine;

namespace Weft.Cli.Commands;

/// <summary>
/// A leaf command: its options, and what it does with them. Errors are not handled here: WeftCli turns
/// exceptions into the one error line and the exit code, the same way for every command.
/// </summary>
internal abstract class WeftCommand : Command
{
    protected WeftCommand(CliContext context, string name, string description, JsonOutput json)
        : base(name, description)
    {
        ArgumentNullException.ThrowIfNull(json);
        Context = context;
        Json = json;
        SetAction(RunAsync);
    }

    protected CliContext Context { get; }

    /// <summary>What this command prints under `--format json`, or why it refuses the flag.</summary>
    public JsonOutput Json { get; }

    /// <summary>
    /// On SIGINT or SIGTERM the command's cancellation token fires, and `weft` exits this long after if the command
    /// has not ended by itself. Null: the command gets no token and the signals keep their usual effect, which is
    /// what exec and foreground run want: there the terminal's Ctrl-C belongs to the command in the sandbox.
    /// </summary>
    public virtual TimeSpan? TerminationGracePeriod => TimeSpan.FromSeconds(2);

    private Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        if (Json.Refusal is { } why && Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            // Refused rather than ignored: a script asking for JSON would get text it cannot parse.
            throw new UsageException($"--format json: {why}");
        }

        return ExecuteAsync(parseResult, cancellationToken);
    }

    /// <summary>Runs the command; returns the exit code.</summary>
    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken);
}
