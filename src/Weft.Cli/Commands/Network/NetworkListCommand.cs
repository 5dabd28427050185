using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;
using Weft.Cli.Requests;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network ls`: every network in the cluster, whichever host made it.</summary>
internal sealed class NetworkListCommand : WeftCommand
{
    private readonly Option<bool> _quiet = new("--quiet", "-q")
    {
        Description = "Only the networks' names, one per line",
    };

    private readonly ListFilter<NetworkSummary> _filter = new(new Dictionary<string, Func<NetworkSummary, string, bool>>
    {
        ["name"] = (n, v) => ListFilter<NetworkSummary>.NameContains(n.Name, v),
        ["driver"] = (n, v) => n.Driver == v,
        ["scope"] = (n, v) => n.Scope == v,
        ["id"] = (n, v) => n.Id.StartsWith(v, StringComparison.Ordinal),
    });

    public NetworkListCommand(CliContext context)
        : base(context, "ls", "List networks", JsonOutput.Prints("an array of networks, as GET /v1/networks"))
    {
        Aliases.Add("list");
        Add(_quiet);
        Add(_filter.Option);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var matches = _filter.Matcher(parseResult);
        using var agent = Context.ConnectToAgent(parseResult);
        var all = await agent.ListNetworksAsync(cancellationToken);
        var networks = all.Where(matches).ToArray();
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(networks, ApiJsonContext.Default.NetworkSummaryArray);
        }
        else if (parseResult.GetValue(_quiet))
        {
            Display.WriteNames(Context.Out, networks.Select(n => n.Name));
        }
        else
        {
            NetworkOutput.WriteList(Context.Out, networks);
        }

        return ExitCodes.Success;
    }
}
