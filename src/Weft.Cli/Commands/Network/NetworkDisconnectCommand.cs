using System.CommandLine;
using Weft.Api;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network disconnect`: the sandbox leaves the network and its interface on it goes away.</summary>
internal sealed class NetworkDisconnectCommand : WeftCommand
{
    private readonly Argument<string> _network = new("NETWORK") { Description = "Network name" };
    private readonly Argument<string> _sandbox = new("SANDBOX") { Description = "Sandbox name" };

    public NetworkDisconnectCommand(CliContext context)
        : base(context, "disconnect", "Disconnect a sandbox from a network", JsonOutput.Prints("the sandbox, without the endpoint"))
    {
        Add(_network);
        Add(_sandbox);
    }

    public ConnectRequest ToRequest(ParseResult parseResult) =>
        new(parseResult.GetRequiredValue(_sandbox));

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var network = parseResult.GetRequiredValue(_network);
        var request = ToRequest(parseResult);
        using var agent = Context.ConnectToAgent(parseResult);
        var sandbox = await agent.DisconnectAsync(network, request, cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(sandbox, ApiJsonContext.Default.SandboxDetail);
        }

        // Silent on success for people, as `docker network disconnect` is.
        return ExitCodes.Success;
    }
}
