using System.Text.Json.Serialization;

namespace Weft.Api;

// The local API of `weft agent`: HTTP/1.1 + JSON on a unix socket (default /run/weft/weft.sock).
// Every shape here is documented in docs/api.md; JSON names are camelCase. Addresses and subnets are
// strings in their usual text form ("10.0.10.5", "10.0.10.0/24") so that any HTTP client can use the API.

/// <summary>One address block of a network, as asked for or as configured.</summary>
public sealed record SubnetSpec(string? Subnet, string? Gateway = null, string? IpRange = null);

// Request fields a client may leave out have setters, not init: System.Text.Json's source generator gives a missing
// init-only property its type's default (null), not the declared one, so an omitted list would arrive as null.

/// <summary>POST /v1/networks.</summary>
public sealed record CreateNetworkRequest
{
    public required string Name { get; init; }
    /// <summary>overlay (default), bridge, host or null.</summary>
    public string Driver { get; set; } = "overlay";
    /// <summary>Empty means one automatic IPv4 subnet from the default pools.</summary>
    public IReadOnlyList<SubnetSpec> Subnets { get; set; } = [];
    /// <summary>Overlay only; null picks the lowest free VNI from 256.</summary>
    public int? Vni { get; set; }
    /// <summary>Null: underlay MTU − 50 for overlays, 1500 for bridges.</summary>
    public int? Mtu { get; set; }
    public bool Internal { get; set; }
    public IReadOnlyDictionary<string, string> Options { get; set; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();
}

/// <summary>A network as listed by GET /v1/networks.</summary>
public sealed record NetworkSummary(string Id, string Name, string Driver, string Scope, IReadOnlyList<SubnetSpec> Subnets, int? Vni, int Endpoints);

/// <summary>
/// Where a host stands as this agent sees it (docs/decisions.md, Liveness): <see cref="Live"/>, its record is live (its
/// agent renews its lease); <see cref="Held"/>, its record is gone but its data plane answers, so its entries and names
/// are kept; <see cref="Gone"/>, neither: withdrawn.
/// </summary>
public static class HostStates
{
    public const string Live = "live";
    public const string Held = "held";
    public const string Gone = "gone";
}

/// <summary>
/// One endpoint as shown by inspect, on whichever host it lives. <see cref="HostAddress"/> is that host's underlay
/// (VTEP) address, so a capture on the underlay can name the hosts its VXLAN packets come from and go to.
/// <see cref="HostAlive"/> (kept for older clients) means only "the host's record is live": a held host is false there;
/// <see cref="HostState"/> tells held from gone (<see cref="HostStates"/>).
/// </summary>
public sealed record EndpointView(
    string Id,
    string Network,
    string Sandbox,
    string? ContainerName,
    IReadOnlyList<string> Aliases,
    string HostId,
    string Host,
    bool HostAlive,
    string? Address,
    string Mac,
    string InterfaceName,
    string? HostAddress = null,
    string HostState = HostStates.Live);

/// <summary>GET /v1/networks/{name}: the network, with every endpoint on every host.</summary>
public sealed record NetworkDetail(
    string Id,
    string Name,
    string Driver,
    string Scope,
    IReadOnlyList<SubnetSpec> Subnets,
    int? Vni,
    int Mtu,
    bool Internal,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset CreatedAt,
    IReadOnlyList<EndpointView> Endpoints,
    string? Dns = null);

/// <summary>One network a sandbox joins: by name, with an optional static address and aliases.</summary>
public sealed record SandboxNetworkSpec(string Network, string? Ip = null, IReadOnlyList<string>? Aliases = null);

/// <summary>POST /v1/sandboxes: `weft run`.</summary>
public sealed record CreateSandboxRequest
{
    public required string Name { get; init; }
    public string? Hostname { get; set; }
    public IReadOnlyList<SandboxNetworkSpec> Networks { get; set; } = [];
    /// <summary>"name:ip" entries for the sandbox's /etc/hosts (Docker's --add-host).</summary>
    public IReadOnlyList<string> ExtraHosts { get; set; } = [];
    /// <summary>
    /// The process the agent starts in the sandbox; required, so a client that forgot it is told. Empty: no process (the
    /// CLI's foreground `run` starts its own).
    /// </summary>
    [JsonRequired]
    public IReadOnlyList<string> Command { get; set; } = [];
    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
    /// <summary>Published ports (`-p`): DNATed from this host to the sandbox's first network that reaches outside.</summary>
    public IReadOnlyList<Weft.Core.Model.PortMapping> Ports { get; set; } = [];
}

/// <summary>A sandbox's place in the kernel, so a client can enter it (`weft exec`).</summary>
public sealed record SandboxDetail(
    string Id,
    string Name,
    string HostId,
    string Host,
    string? Hostname,
    string NetworkNamespace,
    string? UtsNamespace,
    string? ResolvConf,
    string? HostsFile,
    int? Pid,
    string State,
    IReadOnlyList<string> Command,
    DateTimeOffset CreatedAt,
    IReadOnlyList<EndpointView> Endpoints,
    IReadOnlyList<Weft.Core.Model.PortMapping>? Ports = null,
    string HostState = HostStates.Live);

/// <summary>POST /v1/networks/{name}/connect and /disconnect.</summary>
public sealed record ConnectRequest(string Sandbox, string? Ip = null, IReadOnlyList<string>? Aliases = null);

/// <summary>
/// GET /v1/status. <see cref="StoreUnreachableSince"/>: when the store stopped answering (null while it answers);
/// <see cref="ClusterId"/>: the cluster this agent belongs to. <see cref="HeldHosts"/>: the names of hosts whose record is
/// gone but whose data plane answers (<see cref="HostStates.Held"/>), kept programmed here.
/// </summary>
public sealed record AgentStatus(
    string HostId,
    string Host,
    string UnderlayAddress,
    long Incarnation,
    string Version,
    string Store,
    bool StoreReachable,
    string? StoreError,
    long StoreRevision,
    int LiveHosts,
    IReadOnlyList<string> ProgrammedNetworks,
    int Sandboxes,
    DateTimeOffset StartedAt,
    DateTimeOffset? StoreUnreachableSince = null,
    string? ClusterId = null,
    IReadOnlyList<string>? HeldHosts = null);

/// <summary>The body of every error response.</summary>
public sealed record ApiErrorBody(ApiError Error);

/// <summary>
/// A machine-readable code (Weft.Core's ErrorCodes, the one table) and one line for people; for exec-failed also the
/// exit code a shell would give (127, 126, 125), absent otherwise.
/// </summary>
public sealed record ApiError(string Code, string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ExitCode = null);
