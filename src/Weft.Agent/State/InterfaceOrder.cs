using Weft.Core.Model;

namespace Weft.Agent.State;

/// <summary>How a sandbox's interfaces are ordered (eth0, eth1, …), and which of them carries the default route.</summary>
public static class InterfaceOrder
{
    /// <summary>The N of ethN; other names sort last.</summary>
    public static int IndexOf(string interfaceName) =>
        interfaceName.StartsWith("eth", StringComparison.Ordinal) && int.TryParse(interfaceName.AsSpan(3), out var i) ? i : int.MaxValue;

    /// <summary>The interface name for a sandbox's next network: one past its highest ethN.</summary>
    public static string Next(IEnumerable<EndpointRecord> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var used = current.Select(e => IndexOf(e.InterfaceName)).Where(i => i != int.MaxValue).ToList();
        return Core.Naming.KernelNames.SandboxInterfaceName(used.Count == 0 ? 0 : used.Max() + 1);
    }

    /// <summary>
    /// The endpoint whose interface carries the sandbox's default route: the first network that reaches outside (the
    /// lowest ethN on a network that is not internal), as Docker routes through a container's first network.
    /// </summary>
    public static EndpointRecord? DefaultRouteCarrier(IEnumerable<EndpointRecord> endpoints, Func<string, NetworkRecord?> networkById)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(networkById);
        return endpoints
            .Where(e => networkById(e.NetworkId) is { Internal: false })
            .OrderBy(e => IndexOf(e.InterfaceName))
            .FirstOrDefault();
    }
}
