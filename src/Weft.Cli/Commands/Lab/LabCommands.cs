using System.CommandLine;
using Weft.Core.Addressing;
using Weft.Lab;
using Weft.Cli.Output;

namespace Weft.Cli.Commands.Lab;

/// <summary>`weft lab`: simulated multi-host clusters on this machine, each host a network namespace with its own agent.</summary>
internal sealed class LabCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context)
    {
        var lab = new Command("lab", "Simulated hosts on this machine (root): up, status, exec, shell, down, demo; agent, partition, heal, store break them on purpose");
        lab.Add(new LabUpCommand(context));
        lab.Add(new LabDownCommand(context));
        lab.Add(new LabStatusCommand(context));
        lab.Add(new LabExecCommand(context));
        lab.Add(new LabShellCommand(context));
        lab.Add(new LabDemoCommand(context));
        lab.Add(new LabAgentCommand(context));
        lab.Add(LabCableCommand.Partition(context));
        lab.Add(LabCableCommand.Heal(context));
        lab.Add(LabStoreCommands.Create(context));
        yield return lab;
    }

    /// <summary>
    /// How the lab starts `weft` again inside hosts: this executable (the native one, or the JIT build's apphost), or
    /// `dotnet weft.dll` when run that way.
    /// </summary>
    public static IReadOnlyList<string> WeftCommand()
    {
        var process = Environment.ProcessPath ?? "weft";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, Path.Combine(AppContext.BaseDirectory, WeftCli.Name + ".dll")]
            : [process];
    }

    /// <summary>The weft-cni that ships beside this weft (scripts/publish.sh, the package's /usr/lib/weft).</summary>
    public static string CniPlugin() => Path.Combine(AppContext.BaseDirectory, "weft-cni");

    /// <summary>Where `==> …` progress lines go: stdout for people; under `--format json` stderr, so stdout holds only the JSON.</summary>
    public static Action<string> Progress(CliContext context, bool json)
    {
        var output = json ? context.Console.Error : context.Out;
        return line => output.WriteLine($"==> {line}");
    }

    public static Option<string> NameOption() => new("--name") { Description = "The lab's name; several labs can run at once", DefaultValueFactory = _ => LabOptions.DefaultName };

    public static LabState Require(string name) =>
        global::Weft.Lab.LabState.Load(LabOptions.DefaultBaseDirectory, name)
        ?? throw new LabException($"no lab named '{name}' is running; start one with `weft lab up`");
}

internal sealed class LabUpCommand : WeftCommand
{
    private readonly Option<int> _hosts = new("--hosts") { Description = "How many hosts", DefaultValueFactory = _ => 3 };
    private readonly Option<string> _store = new("--store") { Description = "embedded (one SQLite file) or etcd (a real etcd in the lab)", DefaultValueFactory = _ => "embedded" };
    private readonly Option<string> _underlay = new("--underlay") { Description = "The underlay /24, inside 198.18.0.0/15", DefaultValueFactory = _ => "198.18.0.0/24" };
    private readonly Option<bool> _routed = new("--routed") { Description = "Two L3 subnets joined by a router, instead of one switch" };
    private readonly Option<bool> _docker = new("--docker")
    {
        Description = "A dockerd on every host, with Weft as its network and IPAM plugin ('weft') and the busybox image loaded; `docker` in `weft lab exec` talks to it",
    };
    private readonly Option<bool> _podman = new("--podman")
    {
        Description = "Podman on every host with the CNI backend, the weft-cni plugin beside this weft as 'weft' and the busybox image; `podman` in `weft lab exec` uses it",
    };
    private readonly Option<int> _mtu = new("--mtu") { Description = "Underlay MTU; overlays follow at MTU − 50", DefaultValueFactory = _ => 1500 };
    private readonly Option<string> _name = LabCommands.NameOption();

    public LabUpCommand(CliContext context)
        : base(context, "up", "Build the lab: underlay, hosts, store, one agent per host", JsonOutput.Prints("the lab, as `lab status --format json` shows it (progress goes to stderr)"))
    {
        Add(_hosts);
        Add(_store);
        Add(_underlay);
        Add(_routed);
        Add(_docker);
        Add(_podman);
        Add(_mtu);
        Add(_name);
    }

    /// <summary>Ctrl-C must let the lab finish cleaning up, or the child own the terminal.</summary>
    public override TimeSpan? TerminationGracePeriod => null;

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var store = parseResult.GetRequiredValue(_store) switch
        {
            "embedded" => LabStore.Embedded,
            "etcd" => LabStore.Etcd,
            var other => throw new UsageException($"--store {other}: use embedded or etcd"),
        };
        var options = new LabOptions
        {
            Name = parseResult.GetRequiredValue(_name),
            Hosts = parseResult.GetValue(_hosts),
            Store = store,
            Underlay = IpNetwork.Parse(parseResult.GetRequiredValue(_underlay)),
            Routed = parseResult.GetValue(_routed),
            Docker = parseResult.GetValue(_docker),
            Podman = parseResult.GetValue(_podman),
            CniPlugin = LabCommands.CniPlugin(),
            Mtu = parseResult.GetValue(_mtu),
            WeftCommand = LabCommands.WeftCommand(),
        };
        var json = Context.FormatOf(parseResult) == OutputFormat.Json;
        var state = await global::Weft.Lab.Lab.UpAsync(options, LabCommands.Progress(Context, json), cancellationToken);
        if (json)
        {
            // The lab as `lab status --format json` shows it, so a script that made a lab knows it as it would ask.
            Context.WriteJson(LabOutput.View(state, await LabStatus.CollectAsync(state, cancellationToken)), CliJsonContext.Default.LabStatusView);
        }
        return ExitCodes.Success;
    }
}

internal sealed class LabDownCommand : WeftCommand
{
    private readonly Option<string> _name = LabCommands.NameOption();

    public LabDownCommand(CliContext context)
        : base(context, "down", "Remove the lab and everything in it; safe to repeat, also after a crash", JsonOutput.Prints("{name, found, namespaces, processes}: what was removed (progress goes to stderr)"))
    {
        Add(_name);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = Context.FormatOf(parseResult) == OutputFormat.Json;
        var removal = global::Weft.Lab.Lab.Remove(LabOptions.DefaultBaseDirectory, parseResult.GetRequiredValue(_name), LabCommands.Progress(Context, json));
        if (json)
        {
            Context.WriteJson(removal, CliJsonContext.Default.LabRemoval);
        }
        return Task.FromResult(ExitCodes.Success);
    }
}

internal sealed class LabStatusCommand : WeftCommand
{
    private readonly Option<string> _name = LabCommands.NameOption();

    public LabStatusCommand(CliContext context)
        : base(context, "status", "Hosts, underlay addresses, agent health, store, networks", JsonOutput.Prints("the lab: its hosts with their agents' status, the store, the networks"))
    {
        Add(_name);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var state = LabCommands.Require(parseResult.GetRequiredValue(_name));
        var report = await LabStatus.CollectAsync(state, cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(LabOutput.View(state, report), CliJsonContext.Default.LabStatusView);
        }
        else
        {
            LabOutput.Write(Context.Out, state, report);
        }
        return ExitCodes.Success;
    }
}

internal sealed class LabExecCommand : WeftCommand
{
    private readonly Option<string> _name = LabCommands.NameOption();
    private readonly Argument<string> _host = new("HOST") { Description = "The lab host, e.g. host2" };
    private readonly Argument<string[]> _command = Sandbox.CommandArgument.Create("The command to run inside the host; `weft` means this weft, talking to that host's agent");

    public LabExecCommand(CliContext context)
        : base(context, "exec", "Run a command inside a lab host (its network namespace, its agent)", JsonOutput.Prints("{host, command, exitCode, stdout, stderr}: the command's output is collected, its stdin is this one's"))
    {
        Add(_name);
        Add(_host);
        Add(_command);
    }

    /// <summary>Ctrl-C must let the lab finish cleaning up, or the child own the terminal.</summary>
    public override TimeSpan? TerminationGracePeriod => null;

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var state = LabCommands.Require(parseResult.GetRequiredValue(_name));
        var (host, command) = (parseResult.GetRequiredValue(_host), parseResult.GetRequiredValue(_command));
        if (Context.FormatOf(parseResult) != OutputFormat.Json)
        {
            return Task.FromResult(global::Weft.Lab.Lab.Exec(state, host, command, LabCommands.WeftCommand()));
        }

        var run = global::Weft.Lab.Lab.ExecCollecting(state, host, command, LabCommands.WeftCommand());
        Context.WriteJson(new CommandRun(null, host, command, run.ExitCode, run.Stdout, run.Stderr), CliJsonContext.Default.CommandRun);
        return Task.FromResult(run.ExitCode);
    }
}

internal sealed class LabShellCommand : WeftCommand
{
    private readonly Option<string> _name = LabCommands.NameOption();
    private readonly Argument<string> _host = new("HOST") { Description = "The lab host, e.g. host3" };

    public LabShellCommand(CliContext context)
        : base(context, "shell", "An interactive shell inside a lab host; `weft` there talks to that host's agent", JsonOutput.Refuses("an interactive shell needs this terminal; `weft lab exec HOST -- COMMAND` collects a command's output as JSON"))
    {
        Add(_name);
        Add(_host);
    }

    /// <summary>Ctrl-C must let the lab finish cleaning up, or the child own the terminal.</summary>
    public override TimeSpan? TerminationGracePeriod => null;

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var state = LabCommands.Require(parseResult.GetRequiredValue(_name));
        var shell = Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } s ? s : "/bin/bash";
        return Task.FromResult(global::Weft.Lab.Lab.Exec(state, parseResult.GetRequiredValue(_host), [shell, "-i"], LabCommands.WeftCommand()));
    }
}

internal sealed class LabDemoCommand : WeftCommand
{
    private readonly Option<bool> _keep = new("--keep") { Description = "Keep the lab afterwards instead of tearing it down" };
    private readonly Option<string> _store = new("--store") { Description = "embedded or etcd", DefaultValueFactory = _ => "embedded" };
    private readonly Option<bool> _docker = new("--docker")
    {
        Description = "Seed 000 with `docker` commands: a dockerd per host with Weft as its plugin, the network made with `docker network create -d weft`, busybox containers",
    };
    private readonly Option<string> _name = LabCommands.NameOption();
    private readonly Option<string> _underlay = new("--underlay") { Description = "The underlay /24, inside 198.18.0.0/15", DefaultValueFactory = _ => "198.18.0.0/24" };

    public LabDemoCommand(CliContext context)
        : base(context, "demo", "The seed experiment start to finish: 3 hosts, an overlay, a ping across, VXLAN on the wire, iperf3", JsonOutput.Prints("JSON Lines: one object per step, {step, title, outcome, seconds, details, error}"))
    {
        Add(_keep);
        Add(_store);
        Add(_docker);
        Add(_name);
        Add(_underlay);
        _store.AcceptOnlyFromAmong("embedded", "etcd");
    }

    /// <summary>Ctrl-C must let the lab finish cleaning up, or the child own the terminal.</summary>
    public override TimeSpan? TerminationGracePeriod => null;

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var options = new LabOptions
        {
            Store = parseResult.GetRequiredValue(_store) == "etcd" ? LabStore.Etcd : LabStore.Embedded,
            Docker = parseResult.GetValue(_docker),
            Name = parseResult.GetRequiredValue(_name),
            Underlay = IpNetwork.Parse(parseResult.GetRequiredValue(_underlay)),
            WeftCommand = LabCommands.WeftCommand(),
        };
        if (Context.FormatOf(parseResult) != OutputFormat.Json)
        {
            return new LabDemo(options, Context.Out.WriteLine).RunAsync(parseResult.GetValue(_keep), cancellationToken);
        }

        // JSON Lines on stdout, one per step as it ends; the narration goes on to stderr for whoever watches.
        return new LabDemo(options, Context.Console.Error.WriteLine,
            step => Context.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(step, CliJsonContext.Lines.LabDemoStep)))
            .RunAsync(parseResult.GetValue(_keep), cancellationToken);
    }
}
