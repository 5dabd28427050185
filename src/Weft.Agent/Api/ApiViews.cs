using Weft.Api;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.DataPlane;

namespace Weft.Agent.Api;

/// <summary>
/// Turns stored records into the API's shapes, adding what only the snapshot knows (host names, liveness) and what only
/// the network's driver knows (its MTU on this host, where its DNS listens).
/// </summary>
public sealed class ApiViews(NetworkDriverRegistry drivers)
{
    public static NetworkSummary Summary(NetworkRecord n, ClusterSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(s);
        return new(n.Id, n.Name, n.Driver.ToName(), n.Scope.ToName(), Subnets(n), n.Vni, s.EndpointsOf(n.Id).Count());
    }

    public NetworkDetail Detail(NetworkRecord n, ClusterSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(s);
        var driver = drivers.For(n);
        return new(n.Id, n.Name, n.Driver.ToName(), n.Scope.ToName(), Subnets(n), n.Vni, driver.Mtu(n), n.Internal, n.Options, n.Labels, n.CreatedAt,
            [.. s.EndpointsOf(n.Id).OrderBy(e => s.HostName(e.HostId), StringComparer.Ordinal).ThenBy(e => e.ContainerName, StringComparer.Ordinal).Select(e => Endpoint(e, s))],
            driver.DnsAddress(n)?.ToString());
    }

    public static EndpointView Endpoint(EndpointRecord e, ClusterSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(s);
        // On a host or null network Weft makes no interface, so there is no MAC or interface name to show (Docker
        // shows a host-network container's endpoint with empty MAC and addresses too).
        var plugged = s.NetworkById(e.NetworkId)?.Driver.ManagesAddresses() ?? true;
        return new(e.Id, e.NetworkName, s.SandboxById(e.SandboxId)?.Name ?? e.ContainerName ?? e.SandboxId, e.ContainerName, e.Aliases,
            e.HostId, s.HostName(e.HostId), s.IsAlive(e.HostId), e.Address?.ToString(), plugged ? e.Mac.ToString() : "", plugged ? e.InterfaceName : "",
            HostAddress(e.HostId, s), s.HostState(e.HostId));
    }

    /// <summary>The host's underlay address while it is alive, else the one it last registered; null if never seen.</summary>
    private static string? HostAddress(string hostId, ClusterSnapshot s) =>
        s.LiveHosts.TryGetValue(hostId, out var h) ? h.UnderlayAddress
        : s.KnownHosts.TryGetValue(hostId, out var i) ? i.UnderlayAddress
        : null;

    /// <param name="filesDirectory">Where a local sandbox's resolv.conf and hosts live; null for a sandbox of another host.</param>
    public static SandboxDetail Sandbox(SandboxRecord r, ClusterSnapshot s, string localHostId, string? filesDirectory)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(s);
        var state = Sandboxes.SandboxProcess.StateOf(r, localHostId);
        var uts = r.Pid is { } pid && r.Hostname is not null && state == "running" ? $"/proc/{pid}/ns/uts" : null;
        return new(r.Id, r.Name, r.HostId, s.HostName(r.HostId), r.Hostname, r.NetworkNamespace, uts,
            ExistingFile(filesDirectory, Sandboxes.SandboxFiles.ResolvConfFile), ExistingFile(filesDirectory, Sandboxes.SandboxFiles.HostsFile), r.Pid, state, r.Command, r.CreatedAt,
            [.. s.EndpointsOfSandbox(r.Id).OrderBy(e => e.InterfaceName, StringComparer.Ordinal).Select(e => Endpoint(e, s))], r.Ports, s.HostState(r.HostId));
    }

    private static string? ExistingFile(string? directory, string name) =>
        directory is not null && File.Exists(Path.Combine(directory, name)) ? Path.Combine(directory, name) : null;

    private static SubnetSpec[] Subnets(NetworkRecord n) =>
        [.. n.Subnets.Select(x => new SubnetSpec(x.Subnet.ToString(), x.Gateway?.ToString(), x.IPRange?.ToString()))];
}
