using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network ls`: every network in the cluster, whichever host made it.</summary>
internal sealed class NetworkListCommand : WeftCommand
{
    public NetworkListCommand(CliContext context)
        : base(context, "ls", "List networks")
    {
        Aliases.Add("list");
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var agent = Context.ConnectToAgent(parseResult);
        var networks = await agent.ListNetworksAsync(cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(networks, ApiJsonContext.Default.NetworkSummaryArray);
        }
        else
        {
            NetworkOutput.WriteList(Context.Out, networks);
        }

        return ExitCodes.Success;
    }
}
