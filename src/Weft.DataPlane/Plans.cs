using System.Net;
using Weft.Core.Model;

namespace Weft.DataPlane;

/// <summary>Where this host's data plane lives: its name (in kernel object names), VTEP and underlay device.</summary>
/// <param name="RunDirectory">Where named namespaces are bind-mounted; /run/netns so that `ip netns` sees them.</param>
public sealed record HostContext(string HostName, IPAddress UnderlayAddress, string UnderlayDevice, int UnderlayMtu, string? RunDirectory = null);

/// <summary>An endpoint of this host: which sandbox namespace its interface goes into, and how it is set up there.</summary>
/// <param name="SandboxNamespacePath">The bind-mounted namespace file of the sandbox.</param>
/// <param name="DefaultRoute">Whether this interface carries the sandbox's default route (its first network, unless internal).</param>
public sealed record LocalEndpoint(EndpointRecord Endpoint, string SandboxNamespacePath, bool DefaultRoute);

/// <summary>An endpoint on another host: its frames go in VXLAN to <see cref="Vtep"/>.</summary>
public sealed record RemoteEndpoint(IPAddress Address, Core.Addressing.MacAddress Mac, IPAddress Vtep);

/// <summary>Everything one overlay network should look like on this host.</summary>
public sealed record OverlayNetworkPlan(
    NetworkRecord Network,
    int Mtu,
    IReadOnlyList<LocalEndpoint> Local,
    IReadOnlyList<RemoteEndpoint> Remote);

/// <summary>What one pass changed: zero everywhere means the kernel already matched.</summary>
public readonly record struct ApplyResult(int Added, int Removed)
{
    public static ApplyResult operator +(ApplyResult a, ApplyResult b) => new(a.Added + b.Added, a.Removed + b.Removed);

    public bool Changed => Added + Removed > 0;
}
