using System.CommandLine;

namespace Weft.Cli.Commands;

/// <summary>
/// A leaf command: its options, and what it does with them. Errors are not handled here: WeftCli turns
/// exceptions into the one error line and the exit code, the same way for every command.
/// </summary>
internal abstract class WeftCommand : Command
{
    protected WeftCommand(CliContext context, string name, string description)
        : base(name, description)
    {
        Context = context;
        SetAction(ExecuteAsync);
    }

    protected CliContext Context { get; }

    /// <summary>
    /// On SIGINT or SIGTERM the command's cancellation token fires, and `weft` exits this long after if the command
    /// has not ended by itself. Null: the command gets no token and the signals keep their usual effect, which is
    /// what exec and foreground run want: there the terminal's Ctrl-C belongs to the command in the sandbox.
    /// </summary>
    public virtual TimeSpan? TerminationGracePeriod => TimeSpan.FromSeconds(2);

    /// <summary>Runs the command; returns the exit code.</summary>
    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken);
}
