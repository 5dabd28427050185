using System.Net;
using System.Text.Json.Serialization;
using Weft.Core.Addressing;

namespace Weft.Core.Model;

// The records below are what the cluster store holds, as JSON written by WeftJsonContext.
// Collections are compared by reference (record equality does not look inside them).

/// <summary>A machine running <c>weft agent</c>. Lives under /weft/hosts/{id}, on a lease.</summary>
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

    /// <summary>Held by the network's bridge; null for a network with no gateway (e.g. internal /31s).</summary>
    [JsonConverter(typeof(IPAddressJsonConverter))]
    public IPAddress? Gateway { get; init; }

    /// <summary>
    /// Where automatic addresses come from (Docker's --ip-range). Static addresses may lie anywhere
    /// in <see cref="Subnet"/>, so an operator can keep the rest of the subnet for them.
    /// </summary>
    public IpNetwork? IPRange { get; init; }
}

/// <summary>A network. Lives under /weft/networks/{name}; the name is unique in the cluster.</summary>
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

/// <summary>One sandbox's attachment to one network. Lives under /weft/endpoints/{network}/{id}.</summary>
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
}

/// <summary>
/// Who holds an address (/weft/ipam/{network}/{ip}) or a VNI (/weft/vni/{vni}). The key is created
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

    public static AllocationRecord ForNetwork(string networkId, DateTimeOffset now) =>
        new() { OwnerKind = AllocationOwnerKind.Network, OwnerId = networkId, CreatedAt = now };
}
