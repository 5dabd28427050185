namespace Weft.Core.Errors;

/// <summary>
/// Stable, machine-readable error codes. They travel in API responses and CLI JSON output, so
/// scripts can branch on them; never rename one, only add.
/// </summary>
public static class ErrorCodes
{
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

    /// <summary>Two subnets (or a subnet and a host route) share addresses.</summary>
    public const string Overlap = "overlap";

    /// <summary>A requested address lies outside the network's subnet.</summary>
    public const string IpOutOfRange = "ip-out-of-range";

    /// <summary>A requested address is the network, broadcast or gateway address.</summary>
    public const string IpReserved = "ip-reserved";

    public const string IpTaken = "ip-taken";

    /// <summary>
    /// A sandbox on a host or null network can be on no other network, and only `run` puts a sandbox on a host
    /// network (Docker's rule: such a sandbox has no interfaces of its own to add to).
    /// </summary>
    public const string NetworkConflict = "network-conflict";
    public const string PoolExhausted = "pool-exhausted";
    public const string SubnetPoolExhausted = "subnet-pool-exhausted";
    public const string VniTaken = "vni-taken";
    public const string VniExhausted = "vni-exhausted";
}
