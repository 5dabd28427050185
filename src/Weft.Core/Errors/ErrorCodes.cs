namespace Weft.Core.Errors;

/// <summary>
/// Every stable, machine-readable error code of Weft, in one table: validation, conflicts with what the cluster
/// holds, and the API's own. They travel in API responses and CLI JSON output, so scripts can branch on them;
/// never rename one, only add. The API maps each to an HTTP status (docs/api.md).
/// </summary>
public static class ErrorCodes
{
    // The request itself.
    public const string BadRequest = "bad-request";

    public const string InvalidName = "invalid-name";
    public const string InvalidId = "invalid-id";
    public const string InvalidAddress = "invalid-address";
    public const string InvalidSubnet = "invalid-subnet";
    public const string InvalidGateway = "invalid-gateway";
    public const string InvalidIPRange = "invalid-ip-range";
    public const string InvalidMac = "invalid-mac";
    public const string InvalidMtu = "invalid-mtu";
    public const string InvalidVni = "invalid-vni";
    public const string InvalidNetwork = "invalid-network";
    public const string InvalidEndpoint = "invalid-endpoint";
    public const string InvalidHost = "invalid-host";
    public const string InvalidInterfaceName = "invalid-interface-name";
    public const string InvalidAlias = "invalid-alias";
    public const string InvalidPool = "invalid-pool";

    /// <summary>A published port (`-p`) that cannot be parsed or cannot be served on the sandbox's networks.</summary>
    public const string InvalidPort = "invalid-port";

    /// <summary>Two subnets (or a subnet and a host route) share addresses.</summary>
    public const string Overlap = "overlap";

    /// <summary>A requested address lies outside the network's subnet.</summary>
    public const string IpOutOfRange = "ip-out-of-range";

    /// <summary>A requested address is the network, broadcast or gateway address.</summary>
    public const string IpReserved = "ip-reserved";

    public const string IpTaken = "ip-taken";

    /// <summary>Another sandbox on the same host already publishes that host port and protocol.</summary>
    public const string PortTaken = "port-taken";

    /// <summary>
    /// A sandbox on a host or null network can be on no other network, and only `run` puts a sandbox on a host
    /// network (Docker's rule: such a sandbox has no interfaces of its own to add to).
    /// </summary>
    public const string NetworkConflict = "network-conflict";
    public const string PoolExhausted = "pool-exhausted";
    public const string SubnetPoolExhausted = "subnet-pool-exhausted";
    public const string VniTaken = "vni-taken";
    public const string VniExhausted = "vni-exhausted";

    // Conflicts with what the cluster holds.
    public const string NotFound = "not-found";

    /// <summary>The name is taken (network or sandbox).</summary>
    public const string Duplicate = "duplicate";

    /// <summary>A network still has endpoints, or a sandbox still runs, and force was not given.</summary>
    public const string InUse = "in-use";

    /// <summary>Optimistic retries ran out: the cluster changed under every attempt.</summary>
    public const string Contention = "contention";

    // The agent and what it depends on.
    /// <summary>The cluster store cannot be reached; nothing was changed.</summary>
    public const string StoreUnavailable = "store-unavailable";

    /// <summary>The kernel refused an operation; it was rolled back.</summary>
    public const string Kernel = "kernel";

    /// <summary>The client could not reach the agent at all.</summary>
    public const string AgentUnavailable = "agent-unavailable";

    /// <summary>The agent accepted the connection but did not answer in time.</summary>
    public const string AgentTimeout = "agent-timeout";

    public const string Internal = "internal";

    // The CLI's own (issue 19).
    /// <summary>The command line is wrong (an unknown flag, a missing argument); nothing was sent to the agent.</summary>
    public const string Usage = "usage";

    /// <summary>A sandbox's command could not be started (not found, not executable); the sandbox was not kept.</summary>
    public const string ExecFailed = "exec-failed";
}
