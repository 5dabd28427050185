using System.Net;
using System.Text.Json.Serialization;
using Weft.Core.Addressing;

namespace Weft.Core.Model;

// The records below are everything the cluster store holds, as JSON written by WeftJsonContext; where each one
// lives is Weft.Cluster's ClusterKeys. Collections are compared by reference (record equality does not look inside them).

/// <summary>A machine running <c>weft agent</c>, while its agent is alive (the record lives on the host's lease).</summary>
public sealed record HostRecord
{
    /// <summary>Stable across restarts: persisted in the agent's state directory.</summary>
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>The VTEP address other hosts send VXLAN to: --advertise-addr or the source of the route to the store.</summary>
    public required string UnderlayAddress { get; init; }

    /// <summary>Bumped on every agent start, so a late delete of an old incarnation never undoes a re-add.</summary>
    public required long Incarnation { get; init; }

    public required string AgentVersion { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
}

/// <summary>One address block of a network. Lives inside <see cref="NetworkRecord.Subnets"/>.</summary>
public sealed record SubnetConfig
{
    public required IpNetwork Subnet { get; init; }

    /// <summary>Held by the network's bridge; null for a network with no gateway.</summary>
    [JsonConverter(typeof(IPAddressJsonConverter))]
    public IPAddress? Gateway { get; init; }

    /// <summary>
    /// Where automatic addresses come from (Docker's --ip-range). Static addresses may lie anywhere
    /// in <see cref="Subnet"/>, so an operator can keep the rest of the subnet for them.
    /// </summary>
    public IpNetwork? IPRange { get; init; }
}

/// <summary>A network. Its name is unique in the cluster.</summary>
public sealed record NetworkRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required NetworkDriver Driver { get; init; }

    public required NetworkScope Scope { get; init; }

    public IReadOnlyList<SubnetConfig> Subnets { get; init; } = [];

    /// <summary>The VXLAN id of an overlay; null for other drivers.</summary>
    public int? Vni { get; init; }

    /// <summary>Null means automatic: underlay MTU minus the VXLAN overhead (see <see cref="Overlay.MtuRules"/>).</summary>
    public int? Mtu { get; init; }

    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>No route to the outside: no NAT, no default route beyond the gateway.</summary>
    public bool Internal { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One sandbox's attachment to one network.</summary>
public sealed record EndpointRecord
{
    public required string Id { get; init; }

    public required string NetworkId { get; init; }

    public required string NetworkName { get; init; }

    public required string SandboxId { get; init; }

    /// <summary>The name DNS answers for, with <see cref="Aliases"/>; null for an unnamed sandbox.</summary>
    public string? ContainerName { get; init; }

    public string? Hostname { get; init; }

    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The host the sandbox runs on: the VTEP that remote hosts point this endpoint's MAC at.</summary>
    public required string HostId { get; init; }

    /// <summary>Null only on drivers that do not manage addresses (host, null).</summary>
    [JsonConverter(typeof(IPAddressJsonConverter))]
    public IPAddress? Address { get; init; }

    public required MacAddress Mac { get; init; }

    /// <summary>The name inside the sandbox: eth0, eth1, ...</summary>
    public required string InterfaceName { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What holds an IP address or a VNI.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AllocationOwnerKind>))]
public enum AllocationOwnerKind
{
    /// <summary>An endpoint's address; owner id is the endpoint id.</summary>
    [JsonStringEnumMemberName("endpoint")]
    Endpoint,

    /// <summary>A network's gateway address; owner id is the network id.</summary>
    [JsonStringEnumMemberName("gateway")]
    Gateway,

    /// <summary>A network-wide resource such as its VNI; owner id is the network id.</summary>
    [JsonStringEnumMemberName("network")]
    Network,

    /// <summary>Kept out of use by the operator (Docker's --aux-address); owner id says why.</summary>
    [JsonStringEnumMemberName("reserved")]
    Reserved,

    /// <summary>
    /// Taken for an endpoint that does not exist yet: Docker asks its IPAM driver for an address before it creates the
    /// endpoint. Owner id names the request; <see cref="AllocationRecord.HostId"/> the host that asked, which frees it if
    /// the endpoint never comes (and the reaper does when that host is gone).
    /// </summary>
    [JsonStringEnumMemberName("pending")]
    Pending,
}

/// <summary>
/// Who holds an IP address or a VNI. The allocation's key is created
/// only if absent, which is what makes allocation safe under concurrency; this record lets the
/// reaper find allocations whose owner is gone.
/// </summary>
public sealed record AllocationRecord
{
    public required AllocationOwnerKind OwnerKind { get; init; }

    public required string OwnerId { get; init; }

    /// <summary>The host that made the allocation; null for cluster-wide owners (gateway, VNI).</summary>
    public string? HostId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public static AllocationRecord ForEndpoint(EndpointRecord endpoint, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new() { OwnerKind = AllocationOwnerKind.Endpoint, OwnerId = endpoint.Id, HostId = endpoint.HostId, CreatedAt = now };
    }

    public static AllocationRecord ForGateway(string networkId, DateTimeOffset now) =>
        new() { OwnerKind = AllocationOwnerKind.Gateway, OwnerId = networkId, CreatedAt = now };

    public static AllocationRecord Pending(string requestId, string hostId, DateTimeOffset now) =>
        new() { OwnerKind = AllocationOwnerKind.Pending, OwnerId = requestId, HostId = hostId, CreatedAt = now };

    public static AllocationRecord ForNetwork(string networkId, DateTimeOffset now) =>
        new() { OwnerKind = AllocationOwnerKind.Network, OwnerId = networkId, CreatedAt = now };
}

/// <summary>
/// What the cluster remembers about a host beyond its lease: it outlives the agent, so other hosts can
/// count a grace period from the moment it went away, and the next start can bump its incarnation.
/// </summary>
public sealed record HostInfoRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string UnderlayAddress { get; init; }

    public required long Incarnation { get; init; }

    /// <summary>The host's routes, so an automatic subnet is checked against every host's, not only the creator's.</summary>
    public IReadOnlyList<IpNetwork> Routes { get; init; } = [];

    /// <summary>Set by whichever agent first saw the host's lease gone; cleared when it registers again.</summary>
    public DateTimeOffset? DownSince { get; init; }
}

/// <summary>Who made a sandbox's namespace and its processes: Weft itself (`weft run`), or a container engine.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SandboxEngine>))]
public enum SandboxEngine
{
    /// <summary>`weft run`: Weft made the namespace and starts the process, and configures the interfaces inside.</summary>
    [JsonStringEnumMemberName("weft")]
    Weft,

    /// <summary>Docker: its namespace (the SandboxKey) and its containers; Docker moves and configures the interfaces itself.</summary>
    [JsonStringEnumMemberName("docker")]
    Docker,

    /// <summary>A CNI runtime (Podman, containerd): its namespace (CNI_NETNS); Weft configures the interfaces inside.</summary>
    [JsonStringEnumMemberName("cni")]
    Cni,
}

/// <summary>A sandbox: one container's network namespace, on one host. Its endpoints point back at its id.</summary>
public sealed record SandboxRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string HostId { get; init; }

    public SandboxEngine Engine { get; init; }

    public string? Hostname { get; init; }

    /// <summary>Extra lines for its /etc/hosts (Docker's --add-host).</summary>
    public IReadOnlyList<HostEntry> ExtraHosts { get; init; } = [];

    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Published ports (`-p`), DNATed to the sandbox's first address on this host; each holds its host port in the store.</summary>
    public IReadOnlyList<PortMapping> Ports { get; init; } = [];

    /// <summary>Path of the bind-mounted network namespace, for `ip netns` and `weft exec`.</summary>
    public required string NetworkNamespace { get; init; }

    public int? Pid { get; init; }

    /// <summary>
    /// When <see cref="Pid"/> started, in clock ticks after boot (/proc/PID/stat): a pid is the sandbox's only while
    /// this matches, since a reused pid may live in the same namespace (always so on a host network). Null in
    /// records written before it existed.
    /// </summary>
    public long? PidStartTime { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>When an address was given back; addresses released longest ago are reused first, and all of them last.</summary>
public sealed record ReleasedRecord(DateTimeOffset ReleasedAt);
