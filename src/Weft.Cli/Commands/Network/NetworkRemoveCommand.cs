using System.CommandLine;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network rm`: removes each network named, going on past failures as `docker network rm` does.</summary>
internal sealed class NetworkRemoveCommand : WeftCommand
{
    private readonly Option<bool> _force = new("--force", "-f")
    {
        Description = "No error for a network that does not exist (Docker's -f)",
    };

    private readonly Option<bool> _withEndpoints = new("--with-endpoints")
    {
        Description = "Remove the network even while endpoints remain on it, on any host (they lose it)",
    };

    private readonly Argument<string[]> _networks = new("NETWORK")
    {
        Description = "Network names or ids",
        Arity = ArgumentArity.OneOrMore,
    };

    public NetworkRemoveCommand(CliContext context)
        : base(context, "rm", "Remove one or more networks; prints each name removed", JsonOutput.Prints("an array of the names removed"))
    {
        Aliases.Add("remove");
        Add(_force);
        Add(_withEndpoints);
        Add(_networks);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var withEndpoints = parseResult.GetValue(_withEndpoints);
        return RemoveEach.RunAsync(Context, parseResult, parseResult.GetRequiredValue(_networks),
            (agent, name) => agent.RemoveNetworkAsync(name, withEndpoints, cancellationToken), ignoreMissing: parseResult.GetValue(_force));
    }
}
