using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Links;

namespace Weft.DataPlane;

/// <summary>
/// The local-scope bridge driver: a Linux bridge in the host namespace (<c>wb-</c> + 8 hex of the network id)
/// holding the gateway address, with a veth port per local endpoint, like Docker's default bridge. It never
/// leaves the host; egress NAT and published ports come with their own issue.
/// </summary>
public static class BridgeNetworkDriver
{
    /// <summary>Makes the host's bridge of the network match the plan (remote endpoints are ignored: local scope).</summary>
    public static ApplyResult Apply(OverlayNetworkPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var name = KernelNames.LocalBridgeName(plan.Network.Id);
        using var nl = NetlinkHandle.Open();
        var result = BridgePorts.EnsureBridge(nl, name, plan.Network, plan.Mtu);
        var failures = new List<Exception>();
        // In the host namespace only the ports of this bridge are this network's.
        result += BridgePorts.Ensure(nl, name, plan.Network, plan.Mtu, plan.Local, static (port, bridge) => port.MasterIndex == bridge.Index, failures);
        if (failures.Count > 0)
        {
            throw failures.Count == 1 ? failures[0] : new AggregateException(failures);
        }
        return result;
    }

    /// <summary>Unplugs a local endpoint of a bridge network.</summary>
    public static bool Detach(string endpointId)
    {
        using var nl = NetlinkHandle.Open();
        return BridgePorts.Detach(nl, endpointId);
    }

    /// <summary>Bridges of Weft's bridge networks that exist in this host's namespace.</summary>
    public static IReadOnlyList<string> ListBridges()
    {
        using var nl = NetlinkHandle.Open();
        return [.. nl.ListLinks().OfType<Bridge>().Select(b => b.Name).Where(n => n.StartsWith(KernelNames.LocalBridgePrefix, StringComparison.Ordinal))];
    }

    /// <summary>Removes a bridge network from this host: its ports, then the bridge.</summary>
    public static void Remove(string bridgeName)
    {
        using var nl = NetlinkHandle.Open();
        if (nl.FindLink(bridgeName) is not { } bridge)
        {
            return;
        }
        foreach (var port in nl.ListLinks().Where(l => l.MasterIndex == bridge.Index && KernelNames.IsVethHostName(l.Name)))
        {
            nl.DeleteLink(port.Name);
        }
        nl.DeleteLink(bridgeName);
    }
}
