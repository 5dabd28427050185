using System.Net;
using System.Runtime.ExceptionServices;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Core.Overlay;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.DataPlane.Drivers;

/// <summary>
/// Builds and repairs one host's side of overlay networks, as DESIGN.md lays it out: one namespace per network holding
/// <c>br0</c> (with the gateway address) and the VXLAN device; a veth per local endpoint; a permanent FDB entry and a
/// permanent neighbour entry per remote endpoint; no learning, no flooding.
/// </summary>
/// <remarks>
/// <see cref="Apply"/> adds what is missing, replaces what differs and removes what Weft owns but no longer wants,
/// including entries someone added by hand to a Weft device, so the reconciler can call it on every pass.
/// <see cref="ListBuilt"/> shows each network by its name, plus any VXLAN device of Weft's left in the host's namespace by
/// a crash between creating it and moving it, as <c>vx-VNI</c>: no network ever wants that, so the reconciler removes it.
/// </remarks>
public sealed class OverlayDriver(HostContext host) : INetworkDriver, IDisposable
{
    /// <summary>
    /// An open descriptor of each network namespace this driver built or found, by name. `ip netns del` only unmounts the
    /// name: the namespace lives on while anything holds it (this descriptor, a DNS socket), and with it its VXLAN device,
    /// which keeps the VNI's UDP port bound so no new device can take it (EEXIST), and the host ends of the veths, whose
    /// sandbox ends are still in the sandboxes. Through this descriptor the next pass moves them into the namespace it
    /// makes under the name again (<see cref="Adopt"/>): the sandboxes keep their interfaces and addresses.
    /// </summary>
    private readonly Dictionary<string, NetworkNamespace> _held = new(StringComparer.Ordinal);

    public NetworkDriver Kind => NetworkDriver.Overlay;

    public bool LingersWhenIdle => true;

    public int Mtu(NetworkRecord network) => MtuRules.Effective(network, host.Underlay.Mtu);

    public IPAddress? DnsAddress(NetworkRecord network) => Gateways.First(network);

    public IReadOnlyList<IPAddress> DnsListenAddresses(NetworkRecord network) =>
        DnsAddress(network) is { } gateway ? host.SharedDnsAddress is { } shared ? [gateway, shared] : [gateway] : [];

    public string? EgressInterface(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Internal ? null : KernelNames.UplinkHostName(network.Id);
    }

    public string? SharedNamespacePath(NetworkRecord network) => null;

    public NetworkNamespace? OpenGatewayNamespace(NetworkRecord network) => NetworkNamespace.TryOpen(NamespaceName(network), host.NetnsDirectory);

    /// <summary>The namespace an overlay network has on this host.</summary>
    public string NamespaceName(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return KernelNames.NetworkNamespaceName(host.HostName, network.Name);
    }

    public string BuiltName(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Name;
    }

    public IReadOnlyList<string> ListBuilt()
    {
        // A namespace whose name was deleted under it is still built (and still holds its VNI) until it is adopted or removed.
        var networks = NetworkNamespace.List(host.NetnsDirectory).Concat(_held.Keys)
            .Select(n => KernelNames.TryParseNetworkNamespaceName(n, out var h, out var net) && h == host.HostName ? net : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        using var hostNl = NetlinkHandle.Open();
        // Only a device with Weft's name and Weft's settings on this host's VTEP is taken for a stray of Weft's.
        var strays = hostNl.ListLinks().OfType<Vxlan>()
            .Where(l => KernelNames.TryParseVxlanDeviceName(l.Name, out _) && Equals(l.Local, host.Underlay.Address) && !l.Learning && l.Proxy)
            .Select(l => l.Name);
        return [.. networks, .. strays];
    }

    public void Remove(string builtName)
    {
        if (KernelNames.TryParseVxlanDeviceName(builtName, out _))
        {
            using var hostNl = NetlinkHandle.Open();
            if (hostNl.FindLink(builtName) is Vxlan)
            {
                hostNl.DeleteLink(builtName);
            }
            return;
        }
        RemoveNamespace(KernelNames.NetworkNamespaceName(host.HostName, builtName));
    }

    public ApplyResult Apply(NetworkPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var network = plan.Network;
        var mtu = Mtu(network);
        var (created, result) = EnsureNamespace(network);
        // One endpoint that cannot be plugged in (its sandbox already has the interface name, say) is undone on its own
        // and reported at the end; it must not keep the other endpoints and the remote entries from being programmed,
        // nor tear down a network namespace that was built fine.
        var endpointFailures = new List<Exception>();
        try
        {
            using var ns = NetworkNamespace.Open(NamespaceName(network), host.NetnsDirectory);
            using var nl = ns.OpenNetlink();
            result += EnsureInfrastructure(ns, nl, network, mtu);
            // Every veth in the network's namespace is this network's.
            result += BridgePorts.Ensure(nl, KernelNames.OverlayBridgeName, network, mtu, plan.Local, static (_, _) => true, endpointFailures);
            result += EnsureRemoteEntries(nl, VniOf(network), plan.Remote);
        }
        catch when (created)
        {
            RemoveHalfBuilt(network);
            throw;
        }
        if (endpointFailures.Count == 1)
        {
            ExceptionDispatchInfo.Throw(endpointFailures[0]);
        }
        if (endpointFailures.Count > 1)
        {
            throw new AggregateException($"network '{network.Name}': {endpointFailures.Count} local endpoints could not be attached", endpointFailures);
        }
        return result;
    }

    public void Join(NetworkPlan plan, LocalEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(endpoint);
        var network = plan.Network;
        var mtu = Mtu(network);
        var (created, _) = EnsureNamespace(network);
        try
        {
            using var ns = NetworkNamespace.Open(NamespaceName(network), host.NetnsDirectory);
            using var nl = ns.OpenNetlink();
            var vni = VniOf(network);
            // Looking is cheaper than repairing: only a network new on this host (or broken) is built here, with its
            // remote endpoints, so the first sandbox answers its peers at once. Anything else is the reconciler's.
            if (created || nl.FindLink(KernelNames.OverlayBridgeName) is null || nl.FindLink(KernelNames.VxlanDeviceName(vni)) is null)
            {
                EnsureInfrastructure(ns, nl, network, mtu);
                EnsureRemoteEntries(nl, vni, plan.Remote);
            }
            if (nl.FindLink(KernelNames.VethHostName(endpoint.Endpoint.Id)) is null)
            {
                BridgePorts.Join(nl, KernelNames.OverlayBridgeName, network, mtu, endpoint);
            }
        }
        catch when (created)
        {
            RemoveHalfBuilt(network);
            throw;
        }
    }

    public ApplyResult EnsureSandboxSide(NetworkPlan plan, LocalEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(endpoint);
        using var ns = OpenGatewayNamespace(plan.Network);
        if (ns is null)
        {
            return default; // not built: Apply plugs everything in
        }
        using var nl = ns.OpenNetlink();
        return BridgePorts.EnsureSandboxSide(nl, KernelNames.OverlayBridgeName, plan.Network, Mtu(plan.Network), endpoint);
    }

    public bool Leave(NetworkRecord network, string endpointId)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var ns = OpenGatewayNamespace(network);
        if (ns is null)
        {
            return false;
        }
        using var nl = ns.OpenNetlink();
        return BridgePorts.Leave(nl, endpointId);
    }

    private static int VniOf(NetworkRecord network) =>
        network.Vni ?? throw new ArgumentException($"overlay network '{network.Name}' has no VNI", nameof(network));

    /// <summary>
    /// The network's namespace, made when its name holds none. A namespace this driver held under the name before, and
    /// which the name no longer leads to (deleted by hand, or replaced), hands its devices over to the current one.
    /// </summary>
    private (bool Created, ApplyResult Result) EnsureNamespace(NetworkRecord network)
    {
        var nsName = NamespaceName(network);
        var current = NetworkNamespace.TryOpen(nsName, host.NetnsDirectory);
        _held.TryGetValue(nsName, out var held);
        if (current is not null && held is not null && current.Identity == held.Identity)
        {
            current.Dispose();
            return (false, default);
        }
        var created = current is null;
        // Also replaces a mount point without its mount, left by an agent killed halfway through creating it.
        current ??= NetworkNamespace.Create(nsName, host.NetnsDirectory);
        var result = new ApplyResult(created ? 1 : 0, 0);
        if (held is not null)
        {
            using (held)
            {
                result += Adopt(held, current);
            }
        }
        _held[nsName] = current;
        // A namespace that took over devices is no longer new: a failure must not undo it whole, sandboxes' veths with it.
        return (created && held is null, result);
    }

    /// <summary>
    /// Moves Weft's devices out of a network namespace that lost its name into the one now under it: the VXLAN device
    /// (with its FDB entries; moving frees nothing it holds) and the host ends of the veths, which stay paired with their
    /// sandbox ends, so sandboxes keep their interfaces, addresses and routes. Apply then plugs them into the new bridge.
    /// A device that cannot move is deleted, so the old namespace holds the VNI no longer.
    /// </summary>
    private static ApplyResult Adopt(NetworkNamespace orphan, NetworkNamespace target)
    {
        var moved = 0;
        var removed = 0;
        try
        {
            using var nl = orphan.OpenNetlink();
            foreach (var link in WeftLinks(nl))
            {
                try
                {
                    nl.MoveLinkToNamespace(link.Name, target);
                    moved++;
                }
                catch (NetlinkException)
                {
                    nl.DeleteLink(link.Name);
                    removed++;
                }
            }
        }
        catch (KernelException)
        {
            // The old namespace cannot be entered any more; what it held goes with it.
        }
        return new ApplyResult(moved, removed);
    }

    /// <summary>The devices of Weft's in a network namespace: veth host ends and the VXLAN device.</summary>
    private static List<Link> WeftLinks(NetlinkHandle nl) =>
        [.. nl.ListLinks().Where(l => KernelNames.IsVethHostName(l.Name) || l.Name == KernelNames.UplinkNetworkSideName || (l is Vxlan && KernelNames.TryParseVxlanDeviceName(l.Name, out _)))];

    /// <summary>A network namespace this call created and could not finish is removed whole, so nothing half-built stays.</summary>
    private void RemoveHalfBuilt(NetworkRecord network)
    {
        try
        {
            if (network.Vni is { } vni)
            {
                Remove(KernelNames.VxlanDeviceName(vni));
            }
            RemoveNamespace(NamespaceName(network));
        }
        catch (KernelException)
        {
            // The first failure is the one worth reporting; a later pass removes or finishes the rest.
        }
    }

    /// <summary>Loopback, the bridge with the gateway address, the VXLAN device on it, and the uplink unless the network is internal.</summary>
    private ApplyResult EnsureInfrastructure(NetworkNamespace ns, NetlinkHandle nl, NetworkRecord network, int mtu)
    {
        if (nl.FindLink("lo") is { Up: false })
        {
            nl.SetLinkUp("lo");
        }
        var result = BridgePorts.EnsureBridge(nl, KernelNames.OverlayBridgeName, network, mtu, DnsAddress(network) is null ? null : host.SharedDnsAddress);
        return result + EnsureVxlan(ns, nl, VniOf(network), mtu) + Uplinks.Ensure(ns, nl, network, mtu);
    }

    /// <summary>
    /// Deleting a namespace only unmounts it; the kernel destroys it later, in the background. Until then its VXLAN
    /// device still holds the VNI in the host namespace (creating the network again fails with EEXIST, "A VXLAN device
    /// with the specified VNI already exists") and sandboxes keep their interfaces. Deleting those devices first makes
    /// the removal take effect before this method returns.
    /// </summary>
    private void RemoveNamespace(string nsName)
    {
        if (_held.Remove(nsName, out var held))
        {
            // Perhaps a namespace whose name was deleted by hand: its devices go now, not once nothing else holds it.
            using (held)
            {
                DeleteWeftLinks(held);
            }
        }
        if (!NetworkNamespace.Exists(nsName, host.NetnsDirectory))
        {
            return;
        }
        try
        {
            using var ns = NetworkNamespace.Open(nsName, host.NetnsDirectory);
            DeleteWeftLinks(ns);
        }
        catch (KernelException)
        {
            // Not a namespace (yet): a half-created one has no links.
        }
        NetworkNamespace.Delete(nsName, host.NetnsDirectory);
    }

    private static void DeleteWeftLinks(NetworkNamespace ns)
    {
        try
        {
            using var nl = ns.OpenNetlink();
            foreach (var link in WeftLinks(nl))
            {
                try
                {
                    nl.DeleteLink(link.Name);
                }
                catch (NetlinkException e) when (e.Errno == Weft.Linux.Interop.Errno.ENODEV) // gone already
                {
                }
            }
        }
        catch (KernelException)
        {
            // Not a namespace that can be entered: nothing of it left to remove.
        }
    }

    /// <summary>Lets go of the namespaces held (<see cref="_held"/>); what they contain stays as it is.</summary>
    public void Dispose()
    {
        foreach (var ns in _held.Values)
        {
            ns.Dispose();
        }
        _held.Clear();
    }

    private ApplyResult EnsureVxlan(NetworkNamespace ns, NetlinkHandle nl, int vni, int mtu)
    {
        var name = KernelNames.VxlanDeviceName(vni);
        var existing = nl.FindLink(name) as Vxlan;
        var bridge = nl.GetLink(KernelNames.OverlayBridgeName);
        if (existing is not null && (existing.Vni != vni || !Equals(existing.Local, host.Underlay.Address) || existing.Learning || !existing.Proxy))
        {
            // The underlay address changed, or someone altered it: a VXLAN device cannot be retargeted, so rebuild it.
            nl.DeleteLink(name);
            existing = null;
        }
        var added = 0;
        if (existing is null)
        {
            CreateVxlanInHostAndMove(ns, name, vni, mtu);
            added++;
        }
        else if (existing.Mtu != mtu)
        {
            nl.SetLinkMtu(name, mtu);
        }
        var device = nl.GetLink(name);
        if (device.MasterIndex != bridge.Index)
        {
            nl.SetLinkMaster(name, KernelNames.OverlayBridgeName);
        }
        if (!device.Up)
        {
            nl.SetLinkUp(name);
        }
        return new ApplyResult(added, 0);
    }

    /// <summary>
    /// The VXLAN device is created in the host namespace and then moved: its UDP socket stays bound to the underlay,
    /// while the device itself sits in the network's namespace.
    /// </summary>
    private void CreateVxlanInHostAndMove(NetworkNamespace target, string name, int vni, int mtu)
    {
        using var hostNl = NetlinkHandle.Open();
        if (hostNl.FindLink(name) is not null)
        {
            hostNl.DeleteLink(name); // left from a crash between create and move
        }
        var underlay = hostNl.GetLink(host.Underlay.Device);
        hostNl.AddLink(new Vxlan
        {
            Name = name,
            Vni = vni,
            Local = host.Underlay.Address,
            UnderlayIndex = underlay.Index,
            Port = Vxlan.DefaultPort,
            Learning = false,
            Proxy = true,
            Mtu = mtu,
        });
        try
        {
            hostNl.MoveLinkToNamespace(name, target);
        }
        catch
        {
            hostNl.DeleteLink(name);
            throw;
        }
    }

    /// <summary>
    /// One permanent FDB entry (MAC → remote VTEP) and one permanent neighbour entry (IP → MAC) per remote endpoint, on
    /// the VXLAN device. Entries that differ are replaced; entries nobody wants are deleted, including the all-zeros
    /// default that would turn flooding on.
    /// </summary>
    private static ApplyResult EnsureRemoteEntries(NetlinkHandle nl, int vni, IReadOnlyList<RemoteEndpoint> remotes)
    {
        var device = nl.GetLink(KernelNames.VxlanDeviceName(vni));
        var wantFdb = remotes.GroupBy(r => r.Mac).ToDictionary(g => g.Key, g => g.First().Vtep);
        var wantNeigh = remotes.GroupBy(r => r.Address).ToDictionary(g => g.Key, g => g.First().Mac);

        var haveFdb = nl.ListFdb(device.Index)
            .Where(e => e.Flags.HasFlag(NeighborFlags.Self) && e.MasterIndex is null)
            .ToList();
        // The kernel keeps NOARP entries for multicast addresses on every device; those are its own, not drift.
        var haveNeigh = nl.ListNeighbors(device.Index).Where(n => !n.State.HasFlag(NeighborState.NoArp)).ToList();
        var batch = nl.CreateBatch();
        int added = 0, removed = 0;

        foreach (var e in haveFdb.Where(e => !wantFdb.ContainsKey(e.MacAddress.ToCore())))
        {
            batch.DeleteFdb(e);
            removed++;
        }
        foreach (var (mac, vtep) in wantFdb)
        {
            // An entry with its own VNI or port (NDA_VNI/NDA_PORT, reported only when they differ from the device's)
            // would carry the frames into another network; replace resets both.
            if (!haveFdb.Any(e => e.MacAddress.ToCore() == mac && Equals(e.Destination, vtep) && e.State == NeighborState.Permanent && e.Vni is null && e.Port is null))
            {
                batch.ReplaceFdb(new FdbEntry(device.Index, mac.ToPhysical()) { Destination = vtep, State = NeighborState.Permanent, Flags = NeighborFlags.Self });
                added++;
            }
        }
        foreach (var n in haveNeigh.Where(n => !wantNeigh.ContainsKey(n.Address)))
        {
            batch.DeleteNeighbor(n);
            removed++;
        }
        foreach (var (ip, mac) in wantNeigh)
        {
            if (!haveNeigh.Any(n => n.Address.Equals(ip) && n.MacAddress is { } m && m.ToCore() == mac && n.State == NeighborState.Permanent))
            {
                batch.ReplaceNeighbor(new Neighbor(device.Index, ip) { MacAddress = mac.ToPhysical(), State = NeighborState.Permanent });
                added++;
            }
        }
        batch.Complete().ThrowIfFailed();
        return new ApplyResult(added, removed);
    }
}
