using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>`weft inspect`: a sandbox's namespaces, process and endpoints.</summary>
internal sealed class InspectCommand : WeftCommand
{
    private readonly Argument<string> _sandbox = new("SANDBOX") { Description = "Sandbox name" };

    public InspectCommand(CliContext context)
        : base(context, "inspect", "Show a sandbox: its namespaces (for ip netns exec or nsenter), process and endpoints", JsonOutput.Prints("the sandbox, as the API shows it"))
    {
        Add(_sandbox);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var agent = Context.ConnectToAgent(parseResult);
        var sandbox = await agent.InspectSandboxAsync(parseResult.GetRequiredValue(_sandbox), cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(sandbox, ApiJsonContext.Default.SandboxDetail);
        }
        else
        {
            SandboxOutput.WriteDetail(Context.Out, sandbox);
        }

        return ExitCodes.Success;
    }
}
