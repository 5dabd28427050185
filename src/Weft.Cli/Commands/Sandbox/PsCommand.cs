using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;
using Weft.Cli.Requests;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>
/// `weft ps`: this host's sandboxes (with --all-hosts every host's), with their networks and addresses. As in Docker,
/// sandboxes whose process has exited show only with -a.
/// </summary>
internal sealed class PsCommand : WeftCommand
{
    /// <summary>The state of a sandbox whose process ended (or was stopped); `ps` hides these without -a.</summary>
    public const string ExitedState = "exited";

    private readonly Option<bool> _all = new("--all", "-a")
    {
        Description = "Also sandboxes whose process has exited (Docker's -a)",
    };

    private readonly Option<bool> _allHosts = new("--all-hosts")
    {
        Description = "Sandboxes on every host, not only this one",
    };

    private readonly Option<bool> _quiet = new("--quiet", "-q")
    {
        Description = "Only the sandboxes' names, one per line",
    };

    private readonly ListFilter<SandboxDetail> _filter = new(new Dictionary<string, Func<SandboxDetail, string, bool>>
    {
        ["name"] = (s, v) => ListFilter<SandboxDetail>.NameContains(s.Name, v),
        ["status"] = (s, v) => s.State == v,
        ["network"] = (s, v) => s.Endpoints.Any(e => e.Network == v),
        ["host"] = (s, v) => s.Host == v,
        ["id"] = (s, v) => s.Id.StartsWith(v, StringComparison.Ordinal),
    });

    public PsCommand(CliContext context)
        : base(context, "ps", "List sandboxes (running ones; -a for all)", JsonOutput.Prints("an array of sandboxes, as GET /v1/sandboxes"))
    {
        Add(_all);
        Add(_allHosts);
        Add(_quiet);
        Add(_filter.Option);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var matches = _filter.Matcher(parseResult);
        using var agent = Context.ConnectToAgent(parseResult);
        var listed = await agent.ListSandboxesAsync(parseResult.GetValue(_allHosts), cancellationToken);
        var all = parseResult.GetValue(_all);
        var sandboxes = listed.Where(s => all || s.State != ExitedState).Where(matches).ToArray();
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(sandboxes, ApiJsonContext.Default.SandboxDetailArray);
        }
        else if (parseResult.GetValue(_quiet))
        {
            Display.WriteNames(Context.Out, sandboxes.Select(s => s.Name));
        }
        else
        {
            SandboxOutput.WriteList(Context.Out, sandboxes);
        }

        return ExitCodes.Success;
    }
}
