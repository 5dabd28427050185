using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Model;

namespace Weft.DataPlane;

/// <summary>
/// An endpoint of this host and the namespace its interface goes into: one Weft made (a sandbox's), or one a container
/// engine made and names (Docker's SandboxKey, CNI_NETNS). Drivers never delete that namespace.
/// </summary>
/// <param name="NamespacePath">The namespace file, such as /run/netns/weftsb-host1_web or /proc/PID/ns/net.</param>
/// <param name="DefaultRoute">Whether this interface carries the namespace's default route (its first network, unless internal).</param>
/// <param name="HandOver">
/// The engine moves and configures the interface itself (Docker): the container's end is left in the host's namespace,
/// named <see cref="Core.Naming.KernelNames.VethContainerName"/>, with the endpoint's MAC and the network's MTU, for the
/// engine to take. Such an interface, once taken, is the engine's: a driver never plugs it in again.
/// </param>
/// <param name="Replug">
/// Whether a missing interface is plugged in again. True for Weft's own sandboxes; false for a CNI runtime's, whose
/// namespace path (/proc/PID/ns/net) may name another process's namespace once its pid is reused: an interface that
/// went is the runtime's business (CHECK reports it, DEL and ADD make it again).
/// </param>
public sealed record LocalEndpoint(EndpointRecord Endpoint, string NamespacePath, bool DefaultRoute, bool HandOver = false, bool Replug = true)
{
    /// <summary>
    /// Whether Weft keeps the sandbox side of the interface as it set it up (up, MAC, MTU, address, default route), and
    /// puts it back when it changes: only in the namespaces Weft makes itself. Docker configures what it takes over,
    /// and a CNI runtime's chain may change the interface after Weft's ADD (tuning sets the MTU or MAC, say): Weft never
    /// fights an engine over its own container.
    /// </summary>
    public bool OwnsSandboxSide => Replug && !HandOver;
}

/// <summary>An endpoint on another host: its frames go in VXLAN to <see cref="Vtep"/>.</summary>
public sealed record RemoteEndpoint(IPAddress Address, MacAddress Mac, IPAddress Vtep);

/// <summary>Everything one network should look like on this host: its local endpoints, and the remote ones it must reach.</summary>
public sealed record NetworkPlan(NetworkRecord Network, IReadOnlyList<LocalEndpoint> Local, IReadOnlyList<RemoteEndpoint> Remote);

/// <summary>What one pass changed: zero everywhere means the kernel already matched.</summary>
public readonly record struct ApplyResult(int Added, int Removed)
{
    public static ApplyResult operator +(ApplyResult a, ApplyResult b) => new(a.Added + b.Added, a.Removed + b.Removed);

    public bool Changed => Added + Removed > 0;
}
