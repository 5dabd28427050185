using System.Net;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.DataPlane;

/// <summary>
/// The local endpoints of one bridge: a veth per endpoint whose host end is a port of the bridge and whose
/// other end lives in the sandbox. Shared by the overlay driver (br0 in the network's namespace) and the
/// bridge driver (a bridge in the host namespace).
/// </summary>
internal static class BridgePorts
{
    /// <summary>How long a join waits for a new veth to carry traffic (the kernel's link watch, normally well under a millisecond).</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The bridge itself: present, up, with the network's MTU and exactly its gateway addresses (and <paramref name="extra"/>, /32s).</summary>
    public static ApplyResult EnsureBridge(NetlinkHandle nl, string name, NetworkRecord network, int mtu, IPAddress? extra = null)
    {
        var added = 0;
        var removed = 0;
        var bridge = nl.FindLink(name);
        if (bridge is null)
        {
            bridge = nl.AddLink(new Bridge { Name = name, Mtu = mtu });
            added++;
        }
        else if (bridge.Mtu != mtu)
        {
            nl.SetLinkMtu(bridge.Name, mtu);
        }
        var want = network.Subnets.Where(s => s.Gateway is not null)
            .Select(s => (Address: s.Gateway!, Prefix: s.Subnet.PrefixLength))
            .ToHashSet();
        if (extra is not null)
        {
            want.Add((extra, extra.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
        }
        var have = nl.ListAddresses(bridge.Index)
            .Where(a => !a.Address.IsIPv6LinkLocal)
            .ToList();
        foreach (var (address, prefix) in want)
        {
            if (!have.Any(a => a.Address.Equals(address) && a.PrefixLength == prefix))
            {
                nl.AddAddress(new LinkAddress(bridge.Index, address, prefix));
                added++;
            }
        }
        foreach (var a in have.Where(a => !want.Contains((a.Address, a.PrefixLength))))
        {
            nl.DeleteAddress(a);
            removed++;
        }
        if (!bridge.Up)
        {
            nl.SetLinkUp(bridge.Name);
        }
        return new ApplyResult(added, removed);
    }

    /// <summary>
    /// Plugs in the wanted endpoints and unplugs the veths of <paramref name="owned"/> that nobody wants.
    /// A failing endpoint is undone and reported in <paramref name="failures"/>; the others still get plugged in.
    /// </summary>
    public static ApplyResult Ensure(NetlinkHandle nl, string bridgeName, NetworkRecord network, int mtu,
        IReadOnlyList<LocalEndpoint> local, Func<Link, Link, bool> owned, List<Exception> failures)
    {
        var added = 0;
        var removed = 0;
        var bridge = nl.GetLink(bridgeName);
        var want = local.ToDictionary(l => KernelNames.VethHostName(l.Endpoint.Id));
        foreach (var link in nl.ListLinks().Where(l => KernelNames.IsVethHostName(l.Name) && owned(l, bridge) && !want.ContainsKey(l.Name)))
        {
            nl.DeleteLink(link.Name);
            removed++;
        }
        foreach (var (vethName, endpoint) in want)
        {
            var veth = nl.FindLink(vethName);
            if (veth is null)
            {
                if (endpoint.HandOver || !endpoint.Replug || !File.Exists(endpoint.NamespacePath))
                {
                    // The sandbox is gone (its endpoint record will follow, or a crash's intent removes it), or the engine
                    // took the interface and will hand over no other, or a CNI runtime's interface went with its namespace.
                    continue;
                }
                try
                {
                    Join(nl, bridgeName, network, mtu, endpoint);
                    added++;
                }
                catch (KernelException e)
                {
                    failures.Add(e); // Join has undone its own work
                }
                continue;
            }
            if (veth.MasterIndex != bridge.Index)
            {
                nl.SetLinkMaster(vethName, bridgeName);
            }
            if (!veth.Up)
            {
                nl.SetLinkUp(vethName);
            }
        }
        removed += RemoveForeignEntries(nl, bridge);
        return new ApplyResult(added, removed);
    }

    /// <summary>
    /// Holds the sandbox side of one local endpoint whose sandbox Weft owns (see <see cref="LocalEndpoint.Replug"/>): its
    /// interface configured as <see cref="SandboxInterface.Ensure"/> says. An interface gone from the sandbox, or renamed,
    /// while the host end is still here is plugged in again whole (same name, MAC and address); a host end that is gone is
    /// <see cref="Ensure"/>'s to plug in.
    /// </summary>
    public static ApplyResult EnsureSandboxSide(NetlinkHandle nl, string bridgeName, NetworkRecord network, int mtu, LocalEndpoint local)
    {
        if (!local.OwnsSandboxSide || !File.Exists(local.NamespacePath) || nl.FindLink(KernelNames.VethHostName(local.Endpoint.Id)) is not { } hostEnd)
        {
            return default;
        }
        using (var sandbox = NetworkNamespace.OpenPath(local.NamespacePath))
        {
            if (SandboxInterface.Ensure(sandbox, hostEnd.Index, local.Endpoint, network, mtu, local.DefaultRoute) is { } repaired)
            {
                return repaired;
            }
        }
        nl.DeleteLink(hostEnd.Name);
        Join(nl, bridgeName, network, mtu, local);
        return new ApplyResult(1, 1);
    }

    /// <summary>
    /// Removes the entries of the bridge's forwarding database that neither Weft nor the kernel made: Weft programs no
    /// entry there (remote MACs live in the VXLAN device's own table), so only the kernel's are kept. The kernel's are
    /// the local entries of the bridge and its ports (permanent, with the MAC of the device they are reported on) and
    /// learned ones (neither permanent nor static, and not added as externally learned). `bridge fdb add … master` makes
    /// a permanent entry of another MAC, or a static (NUD_NOARP) one: both would steer frames away from the sandbox
    /// that owns the MAC, and neither ages out.
    /// </summary>
    public static int RemoveForeignEntries(NetlinkHandle nl, Link bridge)
    {
        var macs = nl.ListLinks().Where(l => l.Index == bridge.Index || l.MasterIndex == bridge.Index)
            .ToDictionary(l => l.Index, l => l.MacAddress);
        // The bridge's entries carry NDA_MASTER; the ports' own tables (multicast lists, flagged self) do not.
        var foreign = nl.ListFdb(masterIndex: bridge.Index)
            .Where(e => e.MasterIndex == bridge.Index && !e.Flags.HasFlag(NeighborFlags.Self) && macs.ContainsKey(e.LinkIndex) && !IsKernels(e, macs[e.LinkIndex]))
            .ToList();
        foreach (var entry in foreign)
        {
            try
            {
                // A port's entry is deleted through its master; the bridge's own (`bridge fdb add … dev br0 self`) through the bridge.
                nl.DeleteFdb(entry with { Flags = entry.LinkIndex == bridge.Index ? NeighborFlags.Self : NeighborFlags.Master });
            }
            catch (NetlinkException e) when (e.Errno == Linux.Interop.Errno.ENOENT)
            {
                // Gone in between (aged out, or its port went).
            }
        }
        return foreign.Count;
    }

    private static bool IsKernels(FdbEntry entry, System.Net.NetworkInformation.PhysicalAddress? deviceMac)
    {
        if (entry.Flags.HasFlag(NeighborFlags.ExternallyLearned) || entry.Flags.HasFlag(NeighborFlags.Sticky))
        {
            return false;
        }
        if (entry.State.HasFlag(NeighborState.Permanent))
        {
            return entry.MacAddress.Equals(deviceMac);
        }
        return !entry.State.HasFlag(NeighborState.NoArp);
    }

    /// <summary>
    /// Plugs one local endpoint in: a veth whose host end joins the bridge and whose other end is created
    /// directly in the sandbox, then renamed, addressed and routed there. Undone whole on any error.
    /// </summary>
    public static void Join(NetlinkHandle nl, string bridgeName, NetworkRecord network, int mtu, LocalEndpoint local)
    {
        var ep = local.Endpoint;
        var hostSide = KernelNames.VethHostName(ep.Id);
        var containerSide = KernelNames.VethContainerName(ep.Id);
        // Handed over: the container's end stays in the host's namespace (the calling thread's), for the engine to take.
        using var target = local.HandOver ? NetworkNamespace.OpenCurrent() : NetworkNamespace.OpenPath(local.NamespacePath);
        nl.AddLink(new Veth
        {
            Name = hostSide,
            Mtu = mtu,
            PeerName = containerSide,
            PeerNamespace = target,
            PeerMacAddress = local.HandOver ? ep.Mac.ToPhysical() : null,
        });
        try
        {
            nl.SetLinkMaster(hostSide, bridgeName);
            nl.SetLinkUp(hostSide);
            if (local.HandOver)
            {
                return; // the engine brings its end up once it has moved it, and the link watch follows then
            }
            SandboxInterface.Configure(target, containerSide, ep, network, mtu, local.DefaultRoute);
            // The host end came up first, so its carrier came with the sandbox's end and its transmit queue only once
            // the kernel's link watch ran: until then replies to the sandbox would be dropped. Ready means it carries.
            nl.WaitUntilRunning(hostSide, ReadyTimeout);
        }
        catch
        {
            // Deleting one end of a veth pair deletes both.
            nl.DeleteLink(hostSide);
            throw;
        }
    }

    /// <summary>Unplugs a local endpoint; its interface in the sandbox goes with it. False when it was not plugged in.</summary>
    public static bool Leave(NetlinkHandle nl, string endpointId)
    {
        var name = KernelNames.VethHostName(endpointId);
        if (nl.FindLink(name) is null)
        {
            return false;
        }
        nl.DeleteLink(name);
        return true;
    }
}
