using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network inspect`: the network and every endpoint on every host.</summary>
internal sealed class NetworkInspectCommand : WeftCommand
{
    private readonly Argument<string> _network = new("NETWORK") { Description = "Network name" };

    public NetworkInspectCommand(CliContext context)
        : base(context, "inspect", "Show a network's settings and every endpoint on every host")
    {
        Add(_network);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var agent = Context.ConnectToAgent(parseResult);
        var network = await agent.InspectNetworkAsync(parseResult.GetRequiredValue(_network), cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(network, ApiJsonContext.Default.NetworkDetail);
        }
        else
        {
            NetworkOutput.WriteDetail(Context.Out, network);
        }

        return ExitCodes.Success;
    }
}
