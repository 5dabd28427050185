using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;

namespace Weft.Cli.Commands.Status;

/// <summary>
/// `weft status`: the agent's health and the store's. An unreachable store is shown, not treated as an error:
/// the agent keeps the data plane up without it, and the command did get its answer.
/// </summary>
internal sealed class StatusCommand : WeftCommand
{
    public StatusCommand(CliContext context)
        : base(context, "status", "Show this host's agent and whether it reaches the cluster store", JsonOutput.Prints("the agent's status, as GET /v1/status"))
    {
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var agent = Context.ConnectToAgent(parseResult);
        var status = await agent.StatusAsync(cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(status, ApiJsonContext.Default.AgentStatus);
        }
        else
        {
            StatusOutput.Write(Context.Out, status);
        }

        return ExitCodes.Success;
    }
}
