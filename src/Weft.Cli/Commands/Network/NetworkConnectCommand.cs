using System.CommandLine;
using Weft.Api;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network connect`: a running sandbox joins one more network and gains the next interface (eth1, ...).</summary>
internal sealed class NetworkConnectCommand : WeftCommand
{
    private readonly Option<string?> _ip = new("--ip")
    {
        Description = "The sandbox's address on this network [default: the next free one]",
        HelpName = "IP",
    };

    private readonly Option<string[]> _alias = new("--alias")
    {
        Description = "Another DNS name for the sandbox on this network, repeatable",
        HelpName = "NAME",
    };

    private readonly Argument<string> _network = new("NETWORK") { Description = "Network name" };
    private readonly Argument<string> _sandbox = new("SANDBOX") { Description = "Sandbox name" };

    public NetworkConnectCommand(CliContext context)
        : base(context, "connect", "Connect a running sandbox to a network; prints its new interface and address", JsonOutput.Prints("the sandbox, with its new endpoint"))
    {
        Add(_ip);
        Add(_alias);
        Add(_network);
        Add(_sandbox);
    }

    public ConnectRequest ToRequest(ParseResult parseResult) =>
        new(parseResult.GetRequiredValue(_sandbox), parseResult.GetValue(_ip), parseResult.GetValue(_alias) is { Length: > 0 } aliases ? aliases : null);

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var network = parseResult.GetRequiredValue(_network);
        var request = ToRequest(parseResult);
        using var agent = Context.ConnectToAgent(parseResult);
        var sandbox = await agent.ConnectAsync(network, request, cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(sandbox, ApiJsonContext.Default.SandboxDetail);
        }
        else if (sandbox.Endpoints.FirstOrDefault(e => e.Network == network) is { } endpoint)
        {
            // Which interface and address it got is the one thing the person cannot guess.
            Context.Out.WriteLine(endpoint.InterfaceName.Length == 0
                ? $"{sandbox.Name}: loopback only on {network}"
                : $"{sandbox.Name}: {endpoint.InterfaceName} {endpoint.Address ?? "(no address)"} on {network}");
        }

        return ExitCodes.Success;
    }
}
