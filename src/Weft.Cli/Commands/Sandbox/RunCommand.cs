using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;
using Weft.Cli.Requests;
using Weft.Core.Errors;
using Weft.Core.Model;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>
/// `weft run`: the agent creates a sandbox and wires it to its networks. With -d the agent also starts the
/// command in it and the CLI returns; without, the CLI runs the command itself in the foreground, as `weft exec`
/// does, and exits with its exit code.
/// </summary>
internal sealed class RunCommand : WeftCommand
{
    private readonly Option<bool> _detach = new("--detach", "-d")
    {
        Description = "The agent starts COMMAND in the sandbox; print the sandbox id and return",
    };

    private readonly Option<bool> _remove = new("--rm")
    {
        Description = "Remove the sandbox when COMMAND exits (foreground only)",
    };

    private readonly Option<string?> _name = new("--name")
    {
        Description = "The sandbox's name; also its DNS name on its networks [default: a generated adjective-noun, e.g. swift-turing]",
        HelpName = "NAME",
    };

    private readonly Option<bool> _interactive = new("--interactive", "-i")
    {
        Description = "Docker's -i: COMMAND reads this terminal's stdin, which a foreground run always gives it (refused with -d)",
    };

    private readonly Option<bool> _tty = new("--tty", "-t")
    {
        Description = "Docker's -t: COMMAND writes to this terminal, which a foreground run always gives it (refused with -d)",
    };

    private readonly Option<string[]> _network = new("--net", "--network")
    {
        Description = "Join this network, repeatable; the first is eth0 and carries the default route. "
            + "A host network (the host's own namespace) or a null one (loopback only) must be the only one [default: loopback only]",
        HelpName = "NETWORK",
    };

    private readonly Option<string?> _ip = new("--ip")
    {
        Description = "Static address on the first --net [default: the next free one]",
        HelpName = "IP",
    };

    private readonly Option<string[]> _alias = new("--alias", "--network-alias")
    {
        Description = "Another DNS name on the first --net, repeatable",
        HelpName = "NAME",
    };

    private readonly Option<string?> _hostname = new("--hostname")
    {
        Description = "The sandbox's hostname, also written to its /etc/hosts",
        HelpName = "NAME",
    };

    private readonly Option<string[]> _addHost = new("--add-host")
    {
        Description = "An extra line for the sandbox's /etc/hosts, repeatable",
        HelpName = "NAME:IP",
    };

    private readonly Option<string[]> _env = new("--env", "-e")
    {
        Description = "Environment variable for COMMAND, repeatable; a bare NAME passes this shell's value on. With -d these are " +
            "all it gets besides PATH, HOME, HOSTNAME and WEFT_SANDBOX (never the agent's); in the foreground it keeps this shell's too",
        HelpName = "NAME=VALUE",
    };

    private readonly Option<string[]> _publish = new("--publish", "-p")
    {
        Description = "Publish a port of the sandbox on this host, repeatable: a DNAT in the kernel (no proxy), reached from other " +
            "hosts, from this host and from its sandboxes; tcp unless /udp. The sandbox needs a network that is not internal",
        HelpName = "[HOSTIP:]HOSTPORT:PORT[/tcp|udp]",
    };

    private readonly Argument<string[]> _command = CommandArgument.Create("The command to run in the sandbox, with its arguments");

    public RunCommand(CliContext context)
        : base(context, "run", "Create a sandbox on this host's networks and run a command in it", JsonOutput.Prints("-d: the sandbox; in the foreground {sandbox, command, exitCode, stdout, stderr}; -i/-t are refused (they need the terminal)"))
    {
        Add(_detach);
        Add(_remove);
        Add(_name);
        Add(_interactive);
        Add(_tty);
        Add(_network);
        Add(_ip);
        Add(_alias);
        Add(_hostname);
        Add(_addHost);
        Add(_env);
        Add(_publish);
        Add(_command);
    }

    /// <summary>
    /// The sandbox this command line asks the agent for. Only with -d does it carry the command: otherwise the CLI
    /// runs the command itself and the agent starts nothing.
    /// </summary>
    public CreateSandboxRequest ToRequest(ParseResult parseResult, Func<string, string?>? environmentLookup = null)
    {
        var detach = parseResult.GetValue(_detach);
        if (detach && parseResult.GetValue(_remove))
        {
            // The API has no way yet to ask the agent to remove a sandbox when its process exits.
            throw new UsageException("--rm works only in the foreground (without -d)");
        }

        if (detach && (parseResult.GetValue(_interactive) || parseResult.GetValue(_tty)))
        {
            // Weft has no `attach`: a detached sandbox's stdin is /dev/null and its output goes to `weft logs`.
            throw new UsageException($"{(parseResult.GetValue(_interactive) ? "-i/--interactive" : "-t/--tty")} needs the foreground (without -d): a detached COMMAND has no terminal; see `weft logs`");
        }

        var networks = parseResult.GetValue(_network) ?? [];
        var ip = parseResult.GetValue(_ip);
        var aliases = parseResult.GetValue(_alias) ?? [];
        if (networks.Length == 0 && (ip is not null || aliases.Length > 0))
        {
            throw new UsageException($"{(ip is not null ? "--ip" : "--alias")} applies to the first --net, and none was given");
        }

        return new CreateSandboxRequest
        {
            Name = parseResult.GetValue(_name) ?? GeneratedNames.Next(),
            Hostname = parseResult.GetValue(_hostname),
            // As in Docker, --ip and --alias belong to the first network; the others get automatic addresses.
            Networks = [.. networks.Select((network, i) => i == 0
                ? new SandboxNetworkSpec(network, ip, aliases.Length > 0 ? aliases : null)
                : new SandboxNetworkSpec(network))],
            ExtraHosts = parseResult.GetValue(_addHost) ?? [],
            Command = detach ? parseResult.GetRequiredValue(_command) : [],
            Environment = EnvironmentOf(parseResult, environmentLookup),
            Ports = [.. (parseResult.GetValue(_publish) ?? []).Select(ParsePort)],
        };
    }

    private static PortMapping ParsePort(string text)
    {
        try
        {
            return PortMapping.Parse(text);
        }
        catch (WeftValidationException e)
        {
            throw new UsageException($"-p: {e.Message}");
        }
    }

    /// <summary>Ctrl-C goes to the command in the sandbox, which may well ignore it (an interactive shell does).</summary>
    public override TimeSpan? TerminationGracePeriod => null;

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = Context.FormatOf(parseResult) == OutputFormat.Json;
        var request = ToRequest(parseResult);
        if (json && !parseResult.GetValue(_detach))
        {
            // Before the sandbox is made: a refused line leaves nothing behind.
            ExecCommand.RefuseTerminal(parseResult.GetValue(_interactive), parseResult.GetValue(_tty));
        }

        using var agent = Context.ConnectToAgent(parseResult);
        var sandbox = await CreateAsync(agent, request, named: parseResult.GetValue(_name) is not null, cancellationToken);
        if (parseResult.GetValue(_detach))
        {
            if (json)
            {
                Context.WriteJson(sandbox, ApiJsonContext.Default.SandboxDetail);
            }
            else
            {
                Context.Out.WriteLine(sandbox.Id);
            }

            return ExitCodes.Success;
        }

        var remove = parseResult.GetValue(_remove);
        var command = parseResult.GetRequiredValue(_command);
        int exitCode;
        try
        {
            if (json)
            {
                var run = await Context.ProcessRunner.RunCollectingAsync(sandbox, command, request.Environment, cancellationToken);
                Context.WriteJson(new CommandRun(sandbox.Name, null, command, run.ExitCode, run.Stdout, run.Stderr), CliJsonContext.Default.CommandRun);
                exitCode = run.ExitCode;
            }
            else
            {
                exitCode = await Context.ProcessRunner.RunAsync(sandbox, command, request.Environment, cancellationToken);
            }
        }
        catch when (remove)
        {
            // The command could not run (not found, namespace gone): its error is the one to report, and --rm still
            // leaves nothing behind.
            await RemoveAfterRunAsync(agent, sandbox, ExitCodes.Failure);
            throw;
        }

        return remove ? await RemoveAfterRunAsync(agent, sandbox, exitCode) : exitCode;
    }

    /// <summary>A generated name another sandbox already has is replaced by a fresh one; a name the person chose is not.</summary>
    private static async Task<SandboxDetail> CreateAsync(WeftApiClient agent, CreateSandboxRequest request, bool named, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await agent.CreateSandboxAsync(request, cancellationToken);
            }
            catch (WeftApiException e) when (!named && e.Code == ErrorCodes.Duplicate && attempt < GeneratedNames.Attempts)
            {
                request = request with { Name = GeneratedNames.Next(attempt) };
            }
        }
    }

    /// <summary>
    /// The command has ended (or never started). A failure to remove the sandbox is reported, but the command's
    /// own failure code wins, since that is what a script is waiting for.
    /// </summary>
    private async Task<int> RemoveAfterRunAsync(WeftApiClient agent, SandboxDetail sandbox, int exitCode)
    {
        try
        {
            // Nothing of the person's runs in it any more; force, because the agent may still count it as running.
            await agent.RemoveSandboxAsync(sandbox.Name, force: true, CancellationToken.None);
            return exitCode;
        }
        catch (WeftApiException e)
        {
            Context.WriteError($"sandbox {sandbox.Name} was not removed: {e.Message}", e.Code);
            return exitCode == ExitCodes.Success ? ExitCodes.Failure : exitCode;
        }
    }

    private Dictionary<string, string> EnvironmentOf(ParseResult parseResult, Func<string, string?>? lookup) =>
        KeyValueArguments.ParseEnvironment(parseResult.GetValue(_env), lookup ?? Environment.GetEnvironmentVariable);
}
