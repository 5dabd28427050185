using System.CommandLine;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>`weft rm`: removes each sandbox named, with its endpoints and addresses.</summary>
internal sealed class RemoveCommand : WeftCommand
{
    private readonly Option<bool> _force = new("--force", "-f")
    {
        Description = "Remove a sandbox even while its process runs",
    };

    private readonly Argument<string[]> _sandboxes = new("SANDBOX")
    {
        Description = "Sandbox names or ids",
        Arity = ArgumentArity.OneOrMore,
    };

    public RemoveCommand(CliContext context)
        : base(context, "rm", "Remove one or more sandboxes; prints each name removed", JsonOutput.Prints("an array of the names removed"))
    {
        Add(_force);
        Add(_sandboxes);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var force = parseResult.GetValue(_force);
        return RemoveEach.RunAsync(Context, parseResult, parseResult.GetRequiredValue(_sandboxes),
            (agent, name) => agent.RemoveSandboxAsync(name, force, cancellationToken));
    }
}
