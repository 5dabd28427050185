using System.CommandLine;
using Weft.Agent;
using Weft.Cli.Commands.Lab;

namespace Weft.Cli.Commands.Agent;

/// <summary>`weft agent`: runs this host's agent in the foreground until SIGINT/SIGTERM.</summary>
internal sealed class AgentCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context) => [new AgentCommand(context)];
}

internal sealed class AgentCommand : WeftCommand
{
    private readonly Option<string> _store = new("--store")
    {
        Description = "Cluster store URL: etcd://host:2379[,host:2379], etcds://… (TLS), or sqlite:///path/to/file (one machine)",
        Required = true,
    };

    private readonly Option<string?> _advertise = new("--advertise-addr")
    {
        Description = "This host's underlay (VTEP) address; default: the first IPv4 address of the default route's device",
    };

    private readonly Option<string?> _name = new("--name") { Description = "This host's name in the cluster; default: the machine's host name" };

    private readonly Option<string> _stateDir = new("--state-dir") { Description = "Where the host id is kept", DefaultValueFactory = _ => "/var/lib/weft" };

    private readonly Option<string> _runDir = new("--run-dir") { Description = "Where the API socket (weft.sock) and sandbox files live", DefaultValueFactory = _ => "/run/weft" };

    private readonly Option<int> _ttl = new("--host-ttl") { Description = "Seconds after this agent dies before other hosts withdraw its endpoints", DefaultValueFactory = _ => 15 };

    private readonly Option<double> _grace = new("--grace-period") { Description = "Hours a dead host's addresses stay reserved for it", DefaultValueFactory = _ => 24 };

    private readonly Option<int> _linger = new("--network-linger")
    {
        Description = "Seconds an overlay or bridge network stays built on this host after its last sandbox here left, ready for the next",
        DefaultValueFactory = _ => (int)new AgentOptions { StoreUrl = "" }.NetworkLinger.TotalSeconds,
    };

    private readonly Option<string> _dockerPlugin = new("--docker-plugin-socket")
    {
        Description = "Where Docker finds Weft's network and IPAM plugin ('weft'); none = no Docker integration",
        DefaultValueFactory = _ => new AgentOptions { StoreUrl = "" }.DockerPluginSocket!,
    };

    private readonly Option<string> _dockerSocket = new("--docker-socket")
    {
        Description = "The local dockerd's API socket, for container names and Docker's copies of Weft's networks",
        DefaultValueFactory = _ => new AgentOptions { StoreUrl = "" }.DockerSocket,
    };

    private readonly Option<int> _dockerGrace = new("--docker-gc-grace")
    {
        Description = "Seconds before the agent frees a Docker endpoint dockerd no longer lists, or an address Docker asked for and never used",
        DefaultValueFactory = _ => (int)new AgentOptions { StoreUrl = "" }.DockerCollectGrace.TotalSeconds,
    };

    private readonly Option<string> _containerDns = new("--container-dns")
    {
        Description = "One address where Weft's DNS answers every container, on every overlay network and this host's loopback (run dockerd with --dns set to it); none = off",
        DefaultValueFactory = _ => AgentOptions.DefaultContainerDnsAddress.ToString(),
    };

    private readonly Option<string[]> _dnsUpstream = new("--dns-upstream")
    {
        Description = "Resolver for names that are not Weft's, IP or IP:PORT (repeatable); default: the nameservers of /etc/resolv.conf",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<int> _dnsClientRate = new("--dns-client-rate")
    {
        Description = "DNS queries per second one sandbox address may send (after a burst of twice as many); more are dropped. 0 = unlimited",
        DefaultValueFactory = _ => AgentOptions.DefaultDnsClientRate,
    };

    private readonly Option<string?> _storePrefix = new("--store-prefix")
    {
        Description = "A key prefix of this cluster's own, e.g. /prod, so that two Weft clusters can share one etcd; the same on every host of a cluster",
        HelpName = "PREFIX",
    };

    private readonly Option<string?> _metricsAddr = new("--metrics-addr")
    {
        Description = "Serve Prometheus metrics on GET /metrics at this IP:PORT, e.g. 127.0.0.1:9781 [default: off]",
        HelpName = "IP:PORT",
    };

    private readonly Option<string> _logFormat = CreateChoice("--log-format", "text: one line per entry; json: one JSON object per line (also what --format json selects)", "text", "text", "json");

    private readonly Option<string> _logLevel = CreateChoice("--log-level", "The least severe entries logged", "information", "trace", "debug", "information", "warning", "error", "critical");

    private static Option<string> CreateChoice(string name, string description, string defaultValue, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    private readonly Option<bool> _joinNewCluster = new("--join-new-cluster")
    {
        Description = "Join the store's cluster even if this host belonged to another one (the store is empty, replaced or another cluster's). "
            + "Without it the agent refuses to start there and changes nothing; with it, this host's networks and sandboxes that the new cluster "
            + "does not know are removed",
    };

    public AgentCommand(CliContext context)
        : base(context, "agent", "Run the Weft agent of this host (root): programs the kernel, serves the local API", JsonOutput.Prints("its log, one JSON object per line (as --log-format json)"))
    {
        Add(_store);
        Add(_advertise);
        Add(_name);
        Add(_stateDir);
        Add(_runDir);
        Add(_ttl);
        Add(_grace);
        Add(_linger);
        Add(_dockerPlugin);
        Add(_dockerSocket);
        Add(_dockerGrace);
        Add(_containerDns);
        Add(_dnsUpstream);
        Add(_dnsClientRate);
        Add(_storePrefix);
        Add(_joinNewCluster);
        Add(_metricsAddr);
        Add(_logFormat);
        Add(_logLevel);
        _storePrefix.Validators.Add(result =>
        {
            try
            {
                if (result.GetValueOrDefault<string?>() is { } prefix)
                {
                    Store.PrefixedClusterStore.Validate(prefix);
                }
            }
            catch (ArgumentException e)
            {
                result.AddError("--store-prefix: " + e.Message.Split(" (Parameter", 2)[0]);
            }
        });
        _metricsAddr.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && ParseMetricsAddress(value) is null)
            {
                result.AddError($"--metrics-addr '{value}' must be IP:PORT, e.g. 127.0.0.1:9781");
            }
        });
        _linger.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--network-linger must be 0 (remove at once) or more");
            }
        });
        _dockerGrace.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--docker-gc-grace must be 1 second or more");
            }
        });
        _containerDns.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != "none" && !(System.Net.IPAddress.TryParse(value, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
            {
                result.AddError($"--container-dns '{value}' must be an IPv4 address or none");
            }
        });
        _dnsClientRate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--dns-client-rate must be 0 (unlimited) or more");
            }
        });
        _dnsUpstream.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!System.Net.IPEndPoint.TryParse(value, out _))
                {
                    result.AddError($"--dns-upstream '{value}' must be IP or IP:PORT");
                }
            }
        });
    }

    /// <summary>The agent stops on its own once cancelled; give it time to close the store cleanly.</summary>
    public override TimeSpan? TerminationGracePeriod => TimeSpan.FromSeconds(10);

    /// <summary>
    /// The agent's output is its log, so `--format json` means JSON log lines, as `--log-format json` does; asking for
    /// both JSON and `--log-format text` is refused by name rather than one of them quietly ignored.
    /// </summary>
    private AgentLogFormat LogFormatOf(ParseResult parseResult)
    {
        var logFormat = parseResult.GetRequiredValue(_logFormat);
        if (Context.FormatOf(parseResult) != OutputFormat.Json)
        {
            return logFormat == "json" ? AgentLogFormat.Json : AgentLogFormat.Text;
        }

        if (logFormat == "text" && parseResult.GetResult(_logFormat) is { Implicit: false })
        {
            throw new UsageException("--format json and --log-format text contradict each other: the agent's output is its log; drop one");
        }

        return AgentLogFormat.Json;
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        AgentHost.RunAsync(new AgentOptions
        {
            StoreUrl = parseResult.GetRequiredValue(_store),
            AdvertiseAddress = parseResult.GetValue(_advertise),
            HostName = parseResult.GetValue(_name),
            StateDirectory = parseResult.GetRequiredValue(_stateDir),
            RunDirectory = parseResult.GetRequiredValue(_runDir),
            HostTtl = TimeSpan.FromSeconds(parseResult.GetValue(_ttl)),
            GracePeriod = TimeSpan.FromHours(parseResult.GetValue(_grace)),
            NetworkLinger = TimeSpan.FromSeconds(parseResult.GetValue(_linger)),
            DockerPluginSocket = parseResult.GetRequiredValue(_dockerPlugin) is "none" ? null : parseResult.GetRequiredValue(_dockerPlugin),
            DockerSocket = parseResult.GetRequiredValue(_dockerSocket),
            DockerCollectGrace = TimeSpan.FromSeconds(parseResult.GetValue(_dockerGrace)),
            ContainerDnsAddress = parseResult.GetRequiredValue(_containerDns) is "none" ? null : System.Net.IPAddress.Parse(parseResult.GetRequiredValue(_containerDns)),
            DnsUpstreams = parseResult.GetValue(_dnsUpstream) ?? [],
            DnsClientRate = parseResult.GetValue(_dnsClientRate),
            StorePrefix = parseResult.GetValue(_storePrefix),
            JoinNewCluster = parseResult.GetValue(_joinNewCluster),
            MetricsAddress = parseResult.GetValue(_metricsAddr) is { } metrics ? ParseMetricsAddress(metrics) : null,
            LogFormat = LogFormatOf(parseResult),
            LogLevel = Enum.Parse<Microsoft.Extensions.Logging.LogLevel>(parseResult.GetRequiredValue(_logLevel), ignoreCase: true),
            // weft-exec beside this weft (the published layout, the package's /usr/lib/weft; the JIT build copies it too).
            ExecHandoff = Linux.Processes.ExecHandoff.Beside(AppContext.BaseDirectory, LabCommands.WeftCommand() is [var host, _] ? host : null),
        }, cancellationToken);

    /// <summary>IP:PORT with a port; null otherwise.</summary>
    private static System.Net.IPEndPoint? ParseMetricsAddress(string value) =>
        System.Net.IPEndPoint.TryParse(value, out var ep) && ep.Port != 0 && value.Contains(':', StringComparison.Ordinal) ? ep : null;
}
