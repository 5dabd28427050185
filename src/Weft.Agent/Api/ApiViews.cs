using Weft.Api;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.Core.Overlay;

namespace Weft.Agent.Api;

/// <summary>Turns stored records into the API's shapes, adding what only the snapshot knows (host names, liveness).</summary>
public static class ApiViews
{
    public static NetworkSummary Summary(NetworkRecord n, ClusterSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(s);
        return new(n.Id, n.Name, n.Driver.ToName(), n.Scope.ToName(), Subnets(n), n.Vni, s.EndpointsOf(n.Id).Count());
    }

    public static NetworkDetail Detail(NetworkRecord n, ClusterSnapshot s, int underlayMtu)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(s);
        // A host network is the host's own interfaces: the underlay's MTU is the one that tells what fits.
        var mtu = n.Driver switch
        {
            NetworkDriver.Overlay => MtuRules.Effective(n, underlayMtu),
            NetworkDriver.Host => underlayMtu,
            _ => n.Mtu ?? 1500,
        };
        return new(n.Id, n.Name, n.Driver.ToName(), n.Scope.ToName(), Subnets(n), n.Vni, mtu, n.Internal, n.Options, n.Labels, n.CreatedAt,
            [.. s.EndpointsOf(n.Id).OrderBy(e => s.HostName(e.HostId), StringComparer.Ordinal).ThenBy(e => e.ContainerName, StringComparer.Ordinal).Select(e => Endpoint(e, s))],
            Dns.NetworkDns.ServerAddress(n)?.ToString());
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
            HostAddress(e.HostId, s));
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
        var state = Sandboxes.SandboxManager.StateOf(r, localHostId);
        var uts = r.Pid is { } pid && r.Hostname is not null && state == "running" ? $"/proc/{pid}/ns/uts" : null;
        return new(r.Id, r.Name, r.HostId, s.HostName(r.HostId), r.Hostname, r.NetworkNamespace, uts,
            ExistingFile(filesDirectory, Sandboxes.SandboxFiles.ResolvConfFile), ExistingFile(filesDirectory, Sandboxes.SandboxFiles.HostsFile), r.Pid, state, r.Command, r.CreatedAt,
            [.. s.EndpointsOfSandbox(r.Id).OrderBy(e => e.InterfaceName, StringComparer.Ordinal).Select(e => Endpoint(e, s))]);
    }

    private static string? ExistingFile(string? directory, string name) =>
        directory is not null && File.Exists(Path.Combine(directory, name)) ? Path.Combine(directory, name) : null;

    private static SubnetSpec[] Subnets(NetworkRecord n) =>
        [.. n.Subnets.Select(x => new SubnetSpec(x.Subnet.ToString(), x.Gateway?.ToString(), x.IPRange?.ToString()))];
}
