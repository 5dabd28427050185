using System.Net;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Namespaces;

namespace Weft.DataPlane.Drivers;

/// <summary>
/// The local-scope bridge driver: a Linux bridge in the host namespace (<c>wb-</c> + 8 hex of the network id) holding
/// the gateway address, with a veth port per local endpoint, like Docker's default bridge. Its subnet leaves the host
/// behind masquerade and its sandboxes can publish ports, both through Weft's firewall table (EdgeRules), unless internal.
/// </summary>
public sealed class BridgeDriver : INetworkDriver
{
    /// <summary>Docker's default for a bridge network, since no underlay overhead applies.</summary>
    public const int DefaultMtu = 1500;

    public NetworkDriver Kind => NetworkDriver.Bridge;

    public bool LingersWhenIdle => true;

    public int Mtu(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Mtu ?? DefaultMtu;
    }

    public IPAddress? DnsAddress(NetworkRecord network) => Gateways.First(network);

    /// <summary>Only the gateway: bridges share the host's namespace, where one shared address could serve one network alone.</summary>
    public IReadOnlyList<IPAddress> DnsListenAddresses(NetworkRecord network) => DnsAddress(network) is { } gateway ? [gateway] : [];

    public string? EgressInterface(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Internal ? null : BuiltName(network);
    }

    public string? SharedNamespacePath(NetworkRecord network) => null;

    /// <summary>The bridge, and so the gateway, is in the host's own namespace.</summary>
    public NetworkNamespace? OpenGatewayNamespace(NetworkRecord network) => NetworkNamespace.OpenCurrent();

    public string BuiltName(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return KernelNames.LocalBridgeName(network.Id);
    }

    public IReadOnlyList<string> ListBuilt()
    {
        using var nl = NetlinkHandle.Open();
        return [.. nl.ListLinks().OfType<Weft.Linux.Links.Bridge>().Select(b => b.Name).Where(n => n.StartsWith(KernelNames.LocalBridgePrefix, StringComparison.Ordinal))];
    }

    /// <summary>Removes a bridge network from this host: its ports, then the bridge.</summary>
    public void Remove(string builtName)
    {
        using var nl = NetlinkHandle.Open();
        if (nl.FindLink(builtName) is not { } bridge)
        {
            return;
        }
        foreach (var port in nl.ListLinks().Where(l => l.MasterIndex == bridge.Index && KernelNames.IsVethHostName(l.Name)))
        {
            nl.DeleteLink(port.Name);
        }
        nl.DeleteLink(builtName);
    }

    /// <summary>Makes the host's bridge of the network match the plan (remote endpoints are ignored: local scope).</summary>
    public ApplyResult Apply(NetworkPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var name = BuiltName(plan.Network);
        var mtu = Mtu(plan.Network);
        using var nl = NetlinkHandle.Open();
        var result = BridgePorts.EnsureBridge(nl, name, plan.Network, mtu);
        var failures = new List<Exception>();
        // In the host namespace only the ports of this bridge are this network's.
        result += BridgePorts.Ensure(nl, name, plan.Network, mtu, plan.Local, static (port, bridge) => port.MasterIndex == bridge.Index, failures);
        if (failures.Count > 0)
        {
            throw failures.Count == 1 ? failures[0] : new AggregateException(failures);
        }
        return result;
    }

    public void Join(NetworkPlan plan, LocalEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(endpoint);
        var name = BuiltName(plan.Network);
        var mtu = Mtu(plan.Network);
        using var nl = NetlinkHandle.Open();
        if (nl.FindLink(name) is null)
        {
            BridgePorts.EnsureBridge(nl, name, plan.Network, mtu);
        }
        if (nl.FindLink(KernelNames.VethHostName(endpoint.Endpoint.Id)) is null)
        {
            BridgePorts.Join(nl, name, plan.Network, mtu, endpoint);
        }
    }

    public ApplyResult EnsureSandboxSide(NetworkPlan plan, LocalEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(endpoint);
        using var nl = NetlinkHandle.Open();
        return BridgePorts.EnsureSandboxSide(nl, BuiltName(plan.Network), plan.Network, Mtu(plan.Network), endpoint);
    }

    public bool Leave(NetworkRecord network, string endpointId)
    {
        using var nl = NetlinkHandle.Open();
        return BridgePorts.Leave(nl, endpointId);
    }
}
