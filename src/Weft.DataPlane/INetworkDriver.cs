using System.Net;
using Weft.Core.Model;
using Weft.Linux.Namespaces;

namespace Weft.DataPlane;

/// <summary>
/// What a network driver does on one host, in the spirit of libnetwork's driverapi and flannel's backends. Each driver
/// (overlay, bridge, host, null) is one instance behind this contract, so the reconciler, the endpoint lifecycle, DNS
/// and the API views never switch on the driver. Every method is idempotent and compares with the kernel before it
/// changes anything; callers hold the agent's kernel lock.
/// </summary>
public interface INetworkDriver
{
    NetworkDriver Kind { get; }

    /// <summary>
    /// Whether a network stays built for a while after its last local endpoint left (the agent's network linger), so a
    /// sandbox restarted at once finds it ready: worth it where building is costly (a namespace, a VXLAN device, a DNS
    /// listener), not where it is one bind mount.
    /// </summary>
    bool LingersWhenIdle { get; }

    /// <summary>The MTU of the network's interfaces on this host.</summary>
    int Mtu(NetworkRecord network);

    /// <summary>Where sandboxes ask for names on this network: its gateway; null for a network without Weft's DNS.</summary>
    IPAddress? DnsAddress(NetworkRecord network);

    /// <summary>Every address Weft's DNS answers on for this network, in its gateway's namespace: <see cref="DnsAddress"/> first.</summary>
    IReadOnlyList<IPAddress> DnsListenAddresses(NetworkRecord network);

    /// <summary>
    /// The interface of the host's namespace behind which the network's sandboxes sit (an overlay's uplink, a bridge):
    /// their egress leaves through it behind masquerade, and published ports are forwarded into it. Null when the
    /// network has no way out of the host (internal, host, null).
    /// </summary>
    string? EgressInterface(NetworkRecord network);

    /// <summary>
    /// Opens the namespace that holds the network's gateway on this host, where its DNS listener binds; null when the
    /// network has no gateway here (not built yet, or a driver without one).
    /// </summary>
    NetworkNamespace? OpenGatewayNamespace(NetworkRecord network);

    /// <summary>
    /// The namespace every sandbox on this network shares, for a driver that decides it (the host driver: the host's
    /// own); null when each sandbox has a namespace of its own.
    /// </summary>
    string? SharedNamespacePath(NetworkRecord network);

    /// <summary>
    /// Makes this host's side of the network equal to the plan: builds what is missing, repairs what differs, and
    /// removes the interfaces of local endpoints the plan no longer holds. One endpoint that cannot be plugged in is
    /// undone and reported after the others are done.
    /// </summary>
    ApplyResult Apply(NetworkPlan plan);

    /// <summary>
    /// Joins one endpoint: its interface, configured, in the namespace it names. Builds the network on this host first
    /// when it has none yet (with the plan's remote endpoints, so the first sandbox can answer at once), and touches
    /// no other endpoint. Undone whole on failure.
    /// </summary>
    void Join(NetworkPlan plan, LocalEndpoint endpoint);

    /// <summary>
    /// Puts the sandbox side of one local endpoint back as <see cref="Join"/> set it up, when Weft owns it
    /// (<see cref="LocalEndpoint.OwnsSandboxSide"/>): its interface up, with its MAC, MTU, address and default route. An
    /// interface gone from the sandbox while its host end is still plugged in is plugged in again whole. Does nothing
    /// for a driver that puts no interface into the sandbox.
    /// </summary>
    ApplyResult EnsureSandboxSide(NetworkPlan plan, LocalEndpoint endpoint);

    /// <summary>Removes the endpoint's interface (both ends of it). False when it was not there.</summary>
    bool Leave(NetworkRecord network, string endpointId);

    /// <summary>What this driver has built on this host, by the name <see cref="BuiltName"/> gives each network.</summary>
    IReadOnlyList<string> ListBuilt();

    /// <summary>The name under which <see cref="ListBuilt"/> shows what the driver builds for the network on this host.</summary>
    string BuiltName(NetworkRecord network);

    /// <summary>Removes one thing <see cref="ListBuilt"/> showed: a network nobody here uses any more, or a leftover of a crash.</summary>
    void Remove(string builtName);
}
