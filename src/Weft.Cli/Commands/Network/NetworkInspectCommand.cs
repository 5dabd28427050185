using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;
using Weft.Core.Errors;

namespace Weft.Cli.Commands.Network;

/// <summary>
/// `weft network inspect`: each network named and every endpoint on every host. One name prints one object under
/// --format json, several an array; a name that does not exist is reported and the others are still shown (exit 1).
/// </summary>
internal sealed class NetworkInspectCommand : WeftCommand
{
    private readonly Argument<string[]> _networks = new("NETWORK")
    {
        Description = "Network names or ids",
        Arity = ArgumentArity.OneOrMore,
    };

    public NetworkInspectCommand(CliContext context)
        : base(context, "inspect", "Show networks' settings and every endpoint on every host", JsonOutput.Prints("the network, as the API shows it; several names: an array"))
    {
        Add(_networks);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var agent = Context.ConnectToAgent(parseResult);
        var names = parseResult.GetRequiredValue(_networks);
        var found = new List<NetworkDetail>();
        var exitCode = ExitCodes.Success;
        foreach (var name in names)
        {
            try
            {
                found.Add(await agent.InspectNetworkAsync(name, cancellationToken));
            }
            catch (WeftApiException e) when (e.Code == ErrorCodes.NotFound)
            {
                Context.WriteError(e.Message, e.Code);
                exitCode = ExitCodes.Failure;
            }
        }

        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            if (names.Length == 1)
            {
                if (found.Count == 1)
                {
                    Context.WriteJson(found[0], ApiJsonContext.Default.NetworkDetail);
                }
            }
            else
            {
                Context.WriteJson(found.ToArray(), CliJsonContext.Default.NetworkDetailArray);
            }
        }
        else
        {
            for (var i = 0; i < found.Count; i++)
            {
                if (i > 0)
                {
                    Context.Out.WriteLine();
                }

                NetworkOutput.WriteDetail(Context.Out, found[i]);
            }
        }

        return exitCode;
    }
}
