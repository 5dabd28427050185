namespace Weft.Agent;

/// <summary>How one agent runs. Every default suits a single real host; the lab overrides the paths per simulated host.</summary>
public sealed record AgentOptions
{
    /// <summary>etcd://host:2379[,host:2379], etcds://…, or sqlite:///path/to/file.</summary>
    public required string StoreUrl { get; init; }

    /// <summary>The VTEP address other hosts send VXLAN to; null: the first IPv4 address of the default route's device.</summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary>This host's name in the cluster and in kernel object names; null: the machine's host name.</summary>
    public string? HostName { get; init; }

    /// <summary>Where the host id and the cluster id live; they survive restarts, so the host keeps its identity.</summary>
    public string StateDirectory { get; init; } = "/var/lib/weft";

    /// <summary>
    /// Join the store's cluster even when it is not the one this host belonged to (an empty, replaced or other store); without
    /// it the agent refuses to start there (<see cref="Host.ClusterMembership"/>).
    /// </summary>
    public bool JoinNewCluster { get; init; }

    /// <summary>Where the API socket and sandbox files live.</summary>
    public string RunDirectory { get; init; } = "/run/weft";

    /// <summary>Where named network namespaces are bind-mounted; null: /run/netns, where `ip netns` looks.</summary>
    public string? NetnsDirectory { get; init; }

    /// <summary>How long after the agent dies other hosts withdraw its endpoints.</summary>
    public TimeSpan HostTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a dead host's addresses stay reserved for it.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long an overlay or bridge network stays built on this host after its last sandbox here left, so that a
    /// sandbox started again at once (a restart, a CI job after the last) does not wait for the network to be rebuilt.
    /// </summary>
    public TimeSpan NetworkLinger { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the kernel is compared with the desired state even when nothing was announced.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where names that are not Weft's are forwarded ("ip" or "ip:port"); empty: the nameservers of the host's
    /// /etc/resolv.conf, asked from the agent's own namespace (so a loopback resolver such as systemd-resolved works).
    /// </summary>
    public IReadOnlyList<string> DnsUpstreams { get; init; } = [];

    /// <summary>
    /// Queries per second one client address may send to the DNS server, after a burst of twice as many; beyond
    /// it UDP queries are dropped, so a flooding sandbox cannot starve the others. 0 = unlimited.
    /// </summary>
    public int DnsClientRate { get; init; } = DefaultDnsClientRate;

    public const int DefaultDnsClientRate = 5000;

    /// <summary>
    /// A key prefix of this cluster's own in the store (`/prod`), so that two Weft clusters can share one etcd; every
    /// agent of a cluster must use the same one. Null: none (keys start at /weft/v1/).
    /// </summary>
    public string? StorePrefix { get; init; }

    /// <summary>Where Prometheus metrics are served (GET /metrics); null: nowhere (the default).</summary>
    public System.Net.IPEndPoint? MetricsAddress { get; init; }

    /// <summary>Log lines as text (one line each, for people and journald) or as JSON objects (for log shippers).</summary>
    public AgentLogFormat LogFormat { get; init; } = AgentLogFormat.Text;

    /// <summary>The least severe level logged.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>
    /// How sandbox commands are exec'd: through weft's own exec entry, so that `run -d` hears when the command's exec
    /// itself fails (`weft agent` sets this executable's); null: the launcher's shell execs them, and such a failure
    /// shows only in the sandbox's log.
    /// </summary>
    public Linux.Processes.ExecHandoff? ExecHandoff { get; init; }

    public string SocketPath => Path.Combine(RunDirectory, "weft.sock");

    /// <summary>
    /// Where Docker finds Weft's network and IPAM plugin; null: no Docker integration. Docker looks for
    /// /run/docker/plugins/NAME.sock by itself; a per-daemon /etc/docker/plugins/weft.spec can name another path.
    /// </summary>
    public string? DockerPluginSocket { get; init; } = "/run/docker/plugins/weft.sock";

    /// <summary>The local dockerd's API, where Weft learns container names and keeps Docker's copies of its networks.</summary>
    public string DockerSocket { get; init; } = "/var/run/docker.sock";

    /// <summary>
    /// How old a Docker endpoint dockerd no longer lists, or an address Docker asked for and never used, must be before
    /// the agent frees it (a container removed while the agent was down, a daemon that died mid-run). Docker's own steps
    /// (address, endpoint, join) follow each other within moments; the agent looks at half this interval, at most every 30 s.
    /// </summary>
    public TimeSpan DockerCollectGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// One address where Weft's DNS answers every container: each overlay network's bridge holds it beside its gateway (a
    /// Docker container is routed there through its first Weft network), and so does this host's loopback (for containers
    /// on no Weft network: names are only forwarded for them). Docker's embedded resolver asks it for names Docker does
    /// not know when dockerd runs with `--dns` set to it. Link-local, so no other machine routes to it. Null: none.
    /// </summary>
    public System.Net.IPAddress? ContainerDnsAddress { get; init; } = DefaultContainerDnsAddress;

    public static readonly System.Net.IPAddress DefaultContainerDnsAddress = System.Net.IPAddress.Parse("169.254.53.53");
}

/// <summary>How the agent writes its log.</summary>
public enum AgentLogFormat
{
    /// <summary>One line per entry: UTC date and time, level, category, message.</summary>
    Text,

    /// <summary>One JSON object per line, with the same fields.</summary>
    Json,
}
