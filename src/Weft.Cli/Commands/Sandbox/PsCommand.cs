using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>`weft ps`: this host's sandboxes, or with --all every host's, with their networks and addresses.</summary>
internal sealed class PsCommand : WeftCommand
{
    private readonly Option<bool> _all = new("--all", "-a")
    {
        Description = "Sandboxes on every host, not only this one",
    };

    public PsCommand(CliContext context)
        : base(context, "ps", "List sandboxes")
    {
        Add(_all);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var agent = Context.ConnectToAgent(parseResult);
        var sandboxes = await agent.ListSandboxesAsync(parseResult.GetValue(_all), cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(sandboxes, ApiJsonContext.Default.SandboxDetailArray);
        }
        else
        {
            SandboxOutput.WriteList(Context.Out, sandboxes);
        }

        return ExitCodes.Success;
    }
}
