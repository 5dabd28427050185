using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.ExceptionServices;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.DataPlane;

/// <summary>
/// Builds and repairs one host's side of overlay networks, as DESIGN.md lays it out: one namespace per
/// network holding <c>br0</c> (with the gateway address) and the VXLAN device; a veth per local endpoint;
/// a permanent FDB entry and a permanent neighbour entry per remote endpoint; no learning, no flooding.
/// </summary>
/// <remarks>
/// Every method is idempotent and compares with the kernel before it changes anything, so the reconciler
/// can call <see cref="Apply"/> on every pass: it adds what is missing, replaces what differs and removes
/// what Weft owns but no longer wants, including entries someone added by hand to a Weft device.
/// </remarks>
public sealed class OverlayNetworkDriver(HostContext host)
{
    public HostContext Host { get; } = host;

    /// <summary>The namespace an overlay network has on this host.</summary>
    public string NamespaceName(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return KernelNames.NetworkNamespaceName(Host.HostName, network.Name);
    }

    /// <summary>Networks that have a namespace on this host, by network name.</summary>
    public IReadOnlyList<string> ListProgrammed() =>
        [.. NetworkNamespace.List(Host.RunDirectory)
            .Select(n => KernelNames.TryParseNetworkNamespaceName(n, out var h, out var net) && h == Host.HostName ? net : null)
            .OfType<string>()];

    /// <summary>Makes the kernel match the plan. Safe to call at any time, as often as wanted.</summary>
    public ApplyResult Apply(OverlayNetworkPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var network = plan.Network;
        var vni = network.Vni ?? throw new ArgumentException($"overlay network '{network.Name}' has no VNI", nameof(plan));
        var created = false;
        var nsName = NamespaceName(network);
        if (!NetworkNamespace.Exists(nsName, Host.RunDirectory))
        {
            NetworkNamespace.Create(nsName, Host.RunDirectory).Dispose();
            created = true;
        }
        // One endpoint that cannot be plugged in (its sandbox already has the interface name, say) is undone on
        // its own and reported at the end; it must not keep the other endpoints and the remote entries from
        // being programmed, nor tear down a network namespace that was built fine.
        var endpointFailures = new List<Exception>();
        ApplyResult result;
        try
        {
            using var ns = NetworkNamespace.Open(nsName, Host.RunDirectory);
            using var nl = ns.OpenNetlink();
            result = new ApplyResult(created ? 1 : 0, 0);
            if (nl.FindLink("lo") is { Up: false })
            {
                nl.SetLinkUp("lo");
            }
            result += BridgePorts.EnsureBridge(nl, KernelNames.OverlayBridgeName, network, plan.Mtu);
            result += EnsureVxlan(ns, nl, vni, plan.Mtu);
            // Every veth in the network's namespace is this network's.
            result += BridgePorts.Ensure(nl, KernelNames.OverlayBridgeName, network, plan.Mtu, plan.Local, static (_, _) => true, endpointFailures);
            result += EnsureRemoteEntries(nl, vni, plan.Remote);
        }
        catch when (created)
        {
            // A network namespace this pass created and could not finish is removed whole, so nothing half-built stays.
            try
            {
                Remove(network);
            }
            catch (KernelException)
            {
                // The first failure is the one worth reporting; a later pass removes or finishes the rest.
            }
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

    /// <summary>Removes the network from this host: its namespace, and with it the bridge, VXLAN device and veths.</summary>
    public bool Remove(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return RemoveByName(network.Name, network.Vni);
    }

    /// <summary>Removes a network known only by name, e.g. one whose record is gone from the store.</summary>
    public bool RemoveByName(string networkName, int? vni = null)
    {
        var nsName = KernelNames.NetworkNamespaceName(Host.HostName, networkName);
        if (vni is { } v)
        {
            // A crash between creating the VXLAN device and moving it leaves it in the host namespace.
            DeleteHostVxlan(KernelNames.VxlanDeviceName(v));
        }
        if (!NetworkNamespace.Exists(nsName, Host.RunDirectory))
        {
            return false;
        }
        DeleteOwnedLinks(nsName);
        NetworkNamespace.Delete(nsName, Host.RunDirectory);
        return true;
    }

    /// <summary>
    /// Deleting a namespace only unmounts it; the kernel destroys it later, in the background. Until then its
    /// VXLAN device still holds the VNI in the host namespace (creating the network again fails with EEXIST,
    /// "A VXLAN device with the specified VNI already exists") and sandboxes keep their interfaces. Deleting
    /// those devices first makes the removal take effect before this method returns.
    /// </summary>
    private void DeleteOwnedLinks(string nsName)
    {
        NetworkNamespace ns;
        NetlinkHandle nl;
        try
        {
            ns = NetworkNamespace.Open(nsName, Host.RunDirectory);
        }
        catch (KernelException)
        {
            return; // not a namespace (yet): a half-created one has no links
        }
        using (ns)
        {
            try
            {
                nl = ns.OpenNetlink();
            }
            catch (KernelException)
            {
                return;
            }
            using (nl)
            {
                foreach (var link in nl.ListLinks().Where(l => KernelNames.IsVethHostName(l.Name) || (l is Vxlan && KernelNames.TryParseVxlanDeviceName(l.Name, out _))))
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
        }
    }

    private ApplyResult EnsureVxlan(NetworkNamespace ns, NetlinkHandle nl, int vni, int mtu)
    {
        var name = KernelNames.VxlanDeviceName(vni);
        var existing = nl.FindLink(name) as Vxlan;
        var bridge = nl.GetLink(KernelNames.OverlayBridgeName);
        if (existing is not null && (existing.Vni != vni || !Equals(existing.Local, Host.UnderlayAddress) || existing.Learning || !existing.Proxy))
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
    /// The VXLAN device is created in the host namespace and then moved: its UDP socket stays bound to the
    /// underlay, while the device itself sits in the network's namespace.
    /// </summary>
    private void CreateVxlanInHostAndMove(NetworkNamespace target, string name, int vni, int mtu)
    {
        using var hostNl = NetlinkHandle.Open();
        if (hostNl.FindLink(name) is not null)
        {
            hostNl.DeleteLink(name); // left from a crash between create and move
        }
        var underlay = hostNl.GetLink(Host.UnderlayDevice);
        hostNl.AddLink(new Vxlan
        {
            Name = name,
            Vni = vni,
            Local = Host.UnderlayAddress,
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

    private static void DeleteHostVxlan(string name)
    {
        using var hostNl = NetlinkHandle.Open();
        if (hostNl.FindLink(name) is Vxlan)
        {
            hostNl.DeleteLink(name);
        }
    }

    /// <summary>
    /// Plugs one local endpoint in: a veth whose host end joins <c>br0</c> and whose other end is created
    /// directly in the sandbox, then renamed, addressed and routed there. Undone whole on any error.
    /// </summary>
    public void Attach(OverlayNetworkPlan plan, LocalEndpoint local)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(local);
        using var ns = NetworkNamespace.Open(NamespaceName(plan.Network), Host.RunDirectory);
        using var nl = ns.OpenNetlink();
        if (nl.FindLink(KernelNames.VethHostName(local.Endpoint.Id)) is null)
        {
            BridgePorts.Attach(nl, KernelNames.OverlayBridgeName, plan.Network, plan.Mtu, local);
        }
    }

    /// <summary>Unplugs a local endpoint; its interface in the sandbox goes with it.</summary>
    public bool Detach(NetworkRecord network, string endpointId)
    {
        ArgumentNullException.ThrowIfNull(network);
        var nsName = NamespaceName(network);
        if (!NetworkNamespace.Exists(nsName, Host.RunDirectory))
        {
            return false;
        }
        using var ns = NetworkNamespace.Open(nsName, Host.RunDirectory);
        using var nl = ns.OpenNetlink();
        return BridgePorts.Detach(nl, endpointId);
    }

    /// <summary>
    /// One permanent FDB entry (MAC → remote VTEP) and one permanent neighbour entry (IP → MAC) per remote
    /// endpoint, on the VXLAN device. Entries that differ are replaced; entries nobody wants are deleted,
    /// including the all-zeros default that would turn flooding on.
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

        foreach (var e in haveFdb.Where(e => !wantFdb.ContainsKey(ToCore(e.MacAddress))))
        {
            batch.DeleteFdb(e);
            removed++;
        }
        foreach (var (mac, vtep) in wantFdb)
        {
            // An entry with its own VNI or port (NDA_VNI/NDA_PORT, reported only when they differ from the
            // device's) would carry the frames into another network; replace resets both.
            if (!haveFdb.Any(e => ToCore(e.MacAddress) == mac && Equals(e.Destination, vtep) && e.State == NeighborState.Permanent && e.Vni is null && e.Port is null))
            {
                batch.ReplaceFdb(new FdbEntry(device.Index, ToPhysical(mac)) { Destination = vtep, State = NeighborState.Permanent, Flags = NeighborFlags.Self });
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
            if (!haveNeigh.Any(n => n.Address.Equals(ip) && n.MacAddress is { } m && ToCore(m) == mac && n.State == NeighborState.Permanent))
            {
                batch.ReplaceNeighbor(new Neighbor(device.Index, ip) { MacAddress = ToPhysical(mac), State = NeighborState.Permanent });
                added++;
            }
        }
        batch.Complete().ThrowIfFailed();
        return new ApplyResult(added, removed);
    }

    internal static Core.Addressing.MacAddress ToCore(PhysicalAddress mac) => new(mac.GetAddressBytes());

    internal static PhysicalAddress ToPhysical(Core.Addressing.MacAddress mac) => new(mac.ToBytes());
}
