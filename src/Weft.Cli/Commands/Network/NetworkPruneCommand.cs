using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;
using Weft.Core.Errors;

namespace Weft.Cli.Commands.Network;

/// <summary>
/// `weft network prune`: removes every network without endpoints, as `docker network prune -f` does. The agent checks
/// each removal in the store's transaction, so a network that gains an endpoint meanwhile is kept (in-use), not taken.
/// </summary>
internal sealed class NetworkPruneCommand : WeftCommand
{
    private readonly Option<bool> _force = new("--force", "-f")
    {
        Description = "Accepted for Docker's habit; weft never asks for confirmation",
    };

    public NetworkPruneCommand(CliContext context)
        : base(context, "prune", "Remove every network that has no endpoints on any host; prints each name removed", JsonOutput.Prints("an array of the names removed"))
    {
        Add(_force);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var agent = Context.ConnectToAgent(parseResult);
        var removed = new List<string>();
        foreach (var network in (await agent.ListNetworksAsync(cancellationToken)).Where(n => n.Endpoints == 0).OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            try
            {
                await agent.RemoveNetworkAsync(network.Name, force: false, cancellationToken);
                removed.Add(network.Name);
            }
            catch (WeftApiException e) when (e.Code is ErrorCodes.InUse or ErrorCodes.NotFound)
            {
                // It gained an endpoint, or someone else removed it, since the list: not this prune's to take.
            }
        }

        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(removed.ToArray(), CliJsonContext.Default.StringArray);
        }
        else
        {
            foreach (var name in removed)
            {
                Context.Out.WriteLine(name);
            }
        }

        return ExitCodes.Success;
    }
}
