using System.CommandLine;
using Weft.Cli.Output;
using Weft.Lab;

namespace Weft.Cli.Commands.Lab;

/// <summary>`weft lab agent HOST stop|kill|start`: a host's agent goes away (gracefully or as a crash) and comes back.</summary>
internal sealed class LabAgentCommand : WeftCommand
{
    private readonly Option<string> _name = LabCommands.NameOption();
    private readonly Argument<string> _host = new("HOST") { Description = "The lab host, e.g. host2" };
    private readonly Argument<string> _action = new("ACTION")
    {
        Description = "stop (SIGTERM, as systemctl stop), kill (SIGKILL, as a crash), start (again, with the options it had)",
    };

    public LabAgentCommand(CliContext context)
        : base(context, "agent", "Stop, kill or start a lab host's agent; its sandboxes and data plane stay", JsonOutput.Prints("{lab, host, action, agentPid, message}"))
    {
        Add(_name);
        Add(_host);
        Add(_action);
        _action.AcceptOnlyFromAmong("stop", "kill", "start");
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var state = LabCommands.Require(parseResult.GetRequiredValue(_name));
        var host = parseResult.GetRequiredValue(_host);
        var action = parseResult.GetRequiredValue(_action);
        var next = action switch
        {
            "stop" => await LabChaos.StopAgentAsync(state, host, cancellationToken),
            "kill" => global::Weft.Lab.Lab.KillAgent(state, host),
            _ => await global::Weft.Lab.Lab.StartAgentAsync(state, host, cancellationToken),
        };
        var message = action switch
        {
            "stop" => $"the agent of {host} stopped; its sandboxes keep running",
            "kill" => $"the agent of {host} was killed; its sandboxes keep running",
            _ => $"the agent of {host} is running and reaches the store",
        };
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(new LabActionView(next.Name, action, host, message, AgentPid: next.Host(host).AgentPid), CliJsonContext.Default.LabActionView);
        }
        else
        {
            Context.Out.WriteLine(message);
        }
        return ExitCodes.Success;
    }
}

/// <summary>
/// `weft lab partition HOST` (the host's underlay goes silent both ways, as if its cable were pulled) and `weft lab heal
/// HOST` (plugged back in): one command shape, two cable actions.
/// </summary>
internal sealed class LabCableCommand : WeftCommand
{
    private readonly Option<string> _name = LabCommands.NameOption();
    private readonly Argument<string> _host = new("HOST") { Description = "The lab host, e.g. host2" };
    private readonly Func<LabState, string, LabState> _act;
    private readonly Func<string, string> _done;

    private LabCableCommand(CliContext context, string name, string description, Func<LabState, string, LabState> act, Func<string, string> done)
        : base(context, name, description, JsonOutput.Prints("{lab, host, action, partitioned, message}"))
    {
        _act = act;
        _done = done;
        Add(_name);
        Add(_host);
    }

    public static LabCableCommand Partition(CliContext context) => new(context, "partition",
        "Cut a lab host off its underlay (both ways; on the embedded store its agent is also frozen); `heal` undoes it",
        LabChaos.Partition, host => $"{host} is cut off its underlay; `weft lab heal {host}` plugs it back");

    public static LabCableCommand Heal(CliContext context) => new(context, "heal", "Plug a partitioned lab host back into its underlay",
        LabChaos.Heal, host => $"{host} is back on its underlay");

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var state = LabCommands.Require(parseResult.GetRequiredValue(_name));
        var host = parseResult.GetRequiredValue(_host);
        var next = _act(state, host);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(new LabActionView(next.Name, Name, host, _done(host), Partitioned: next.Host(host).Partitioned), CliJsonContext.Default.LabActionView);
        }
        else
        {
            Context.Out.WriteLine(_done(host));
        }
        return Task.FromResult(ExitCodes.Success);
    }
}
