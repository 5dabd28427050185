using System.Globalization;
using System.Net;

namespace Weft.Cluster;

/// <summary>
/// Where each record lives in the store. Everything sits under one versioned root so that an agent
/// follows the whole cluster with one watch, and a future layout can live beside this one.
/// </summary>
/// <remarks>
/// <code>
/// /weft/v1/hosts/{hostId}               HostRecord, on the host's lease: present while the agent is alive
/// /weft/v1/hostinfo/{hostId}            HostInfoRecord, persistent: name, underlay, routes, incarnation, down-since
/// /weft/v1/networks/{name}              NetworkRecord
/// /weft/v1/meta/networks                bumped by every network create/remove: serializes overlap checks
/// /weft/v1/vni/{vni}                    AllocationRecord of the network holding the VNI
/// /weft/v1/ipam/{networkId}/{ip}        AllocationRecord of the endpoint (or gateway) holding the address
/// /weft/v1/released/{networkId}/{ip}    when the address was last released: reused last
/// /weft/v1/endpoints/{networkId}/{id}   EndpointRecord
/// /weft/v1/meta/endpoints/{networkId}   bumped by every endpoint change: a network is removed only if none joined meanwhile
/// /weft/v1/sandboxes/{name}             SandboxRecord; sandbox names are unique in the cluster, as DNS names are
/// /weft/v1/meta/cluster-id              the cluster's id, written once when the store is first used (ClusterIdentity)
/// /weft/v1/ports/{hostId}/{proto}/{port} the id of the sandbox publishing that host port: written with the sandbox, so two never win it
/// /weft/v1/dns/{networkId}/{name}       the claim on a DNS name (lower case) on a network: "name {endpointId}" or "alias" (NameClaims)
/// </code>
/// </remarks>
public static class ClusterKeys
{
    public const string Root = "/weft/v1/";
    public const string Hosts = Root + "hosts/";
    public const string HostInfo = Root + "hostinfo/";
    public const string Networks = Root + "networks/";
    public const string NetworksMeta = Root + "meta/networks";
    public const string Vnis = Root + "vni/";
    public const string Ipam = Root + "ipam/";
    public const string Released = Root + "released/";
    public const string Endpoints = Root + "endpoints/";
    public const string Sandboxes = Root + "sandboxes/";
    public const string Ports = Root + "ports/";
    public const string DnsNames = Root + "dns/";

    /// <summary>The cluster's id (<see cref="ClusterIdentity"/>): written once, never changed.</summary>
    public const string ClusterId = Root + "meta/cluster-id";

    /// <summary>A prefix that holds nothing: listing it returns only the store's current revision.</summary>
    public const string RevisionProbe = Root + "meta/revision-probe/";

    public static string Host(string hostId) => Hosts + hostId;

    public static string HostInfoOf(string hostId) => HostInfo + hostId;

    public static string Network(string name) => Networks + name;

    /// <summary>
    /// The claim on one host port of one host. Keyed without the host address: a port published on one address of a host
    /// is refused on every other address of it too (stricter than the kernel needs, and never ambiguous).
    /// </summary>
    public static string Port(string hostId, string protocol, int hostPort) =>
        string.Create(CultureInfo.InvariantCulture, $"{Ports}{hostId}/{protocol}/{hostPort}");

    public static string Vni(int vni) => Vnis + vni.ToString(CultureInfo.InvariantCulture);

    public static string IpamPrefix(string networkId) => $"{Ipam}{networkId}/";

    public static string Address(string networkId, IPAddress ip) => IpamPrefix(networkId) + ip;

    public static string ReleasedPrefix(string networkId) => $"{Released}{networkId}/";

    public static string ReleasedAddress(string networkId, IPAddress ip) => ReleasedPrefix(networkId) + ip;

    public static string EndpointsPrefix(string networkId) => $"{Endpoints}{networkId}/";

    public static string Endpoint(string networkId, string endpointId) => EndpointsPrefix(networkId) + endpointId;

    public static string EndpointsMeta(string networkId) => $"{Root}meta/endpoints/{networkId}";

    public static string Sandbox(string name) => Sandboxes + name;

    public static string DnsNamesPrefix(string networkId) => $"{DnsNames}{networkId}/";

    /// <summary>The claim on <paramref name="name"/> on a network; DNS is case-insensitive, so the key is lower case.</summary>
    public static string DnsName(string networkId, string name) => DnsNamesPrefix(networkId) + name.ToLowerInvariant();

    /// <summary>The last path segment of a key: the id or name it is stored under.</summary>
    public static string LastSegment(string key) => key[(key.LastIndexOf('/') + 1)..];
}
