using System.Net;
using Microsoft.Extensions.Logging;
using Weft.Agent.Dns;
using Weft.Agent.Reconcile;
using Weft.Api;
using Weft.Cluster;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.DataPlane;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// Creates, connects, disconnects and removes this host's sandboxes. Each operation writes the store first
/// (claiming the name, the addresses), then builds in the kernel under the kernel lock, and undoes both on
/// any failure, so a failed request leaves nothing behind.
/// </summary>
public sealed class SandboxManager(
    AgentContext context,
    ClusterView view,
    SandboxCatalog sandboxes,
    EndpointCatalog endpoints,
    OverlayNetworkDriver overlay,
    KernelLock kernelLock,
    DnsListeners dns,
    ILogger<SandboxManager> log)
{
    private string HostId => context.HostId;

    public async Task<SandboxRecord> CreateAsync(CreateSandboxRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        NameRules.ValidateSandboxName(request.Name);
        if (request.Hostname is { } hn)
        {
            NameRules.ValidateHostName(hn);
        }
        var extraHosts = request.ExtraHosts.Select(ParseExtraHost).ToList();
        if (request.Networks.Select(n => n.Network).Distinct(StringComparer.Ordinal).Count() != request.Networks.Count)
        {
            throw new WeftValidationException(ApiErrorCodes.BadRequest, "a network is listed twice");
        }
        await view.RefreshAsync(ct);
        var networks = request.Networks.Select(n => RequireNetwork(n.Network)).ToList();
        RequireCompatible(networks);
        // On a host network the sandbox shares the agent's own namespace, under Weft's pin of it (HostNamespace);
        // every other sandbox gets a namespace of its own.
        var onHost = networks.Any(n => n.Driver == NetworkDriver.Host);
        var hostNamespace = context.HostNamespace;
        var nsName = onHost ? hostNamespace.Name : KernelNames.SandboxNamespaceName(context.HostName, request.Name);
        var record = new SandboxRecord
        {
            Id = WeftIds.New(),
            Name = request.Name,
            HostId = HostId,
            Hostname = request.Hostname,
            ExtraHosts = [.. extraHosts.Select(h => $"{h.Name}:{h.Address}")],
            Command = request.Command,
            NetworkNamespace = Path.Combine(context.NetnsDirectory, nsName),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await sandboxes.CreateAsync(record, ct);
        var created = new List<EndpointRecord>();
        var nsCreated = false;
        try
        {
            for (var i = 0; i < request.Networks.Count; i++)
            {
                created.Add(await endpoints.CreateAsync(EndpointSpecFor(record, request.Networks[i], KernelNames.SandboxInterfaceName(i)), ct));
            }
            await view.RefreshAsync(ct);
            using (await kernelLock.AcquireAsync(ct))
            {
                if (onHost)
                {
                    hostNamespace.Ensure(); // never created nor deleted here: it is the host's
                }
                else
                {
                    if (NetworkNamespace.Exists(nsName, context.NetnsRunDirectory))
                    {
                        NetworkNamespace.Delete(nsName, context.NetnsRunDirectory); // a leftover of a crash
                    }
                    using (var ns = NetworkNamespace.Create(nsName, context.NetnsRunDirectory))
                    {
                        nsCreated = true;
                        SandboxInterface.BringUpLoopback(ns);
                    }
                }
                foreach (var e in created)
                {
                    await PlumbAsync(e);
                }
            }
            WriteFiles(record, created);
            if (request.Command.Count > 0)
            {
                using var ns = NetworkNamespace.OpenPath(record.NetworkNamespace);
                var setup = SandboxFiles.Setup(context.SandboxDirectory(record.Name), request.Hostname);
                var (pid, startTime) = SandboxProcess.Start(ns, request.Command, setup, request.Environment, context.LogPath(record.Name));
                record = record with { Pid = pid, PidStartTime = startTime };
                await sandboxes.UpdateAsync(record, ct);
            }
            log.LogInformation("sandbox {Name} created with {Count} endpoint(s)", record.Name, created.Count);
            return record;
        }
        catch
        {
            await RollBackAsync(record, created, nsCreated);
            throw;
        }
    }

    private async Task RollBackAsync(SandboxRecord record, List<EndpointRecord> created, bool nsCreated)
    {
        // Undo with a fresh token: the caller's may be what was cancelled.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            SandboxProcess.Kill(record);
            foreach (var e in created)
            {
                await endpoints.RemoveAsync(e, cts.Token);
            }
            // Only a namespace made for this sandbox; a host-network sandbox's is the host's and is never deleted.
            if (nsCreated)
            {
                NetworkNamespace.Delete(Path.GetFileName(record.NetworkNamespace), context.NetnsRunDirectory);
            }
            await sandboxes.RemoveAsync(record.Name, record.Id, cts.Token);
            SandboxFiles.Delete(context.SandboxDirectory(record.Name));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.LogError(e, "rolling back sandbox {Name} failed; the reconciler will remove what is left", record.Name);
        }
    }

    private void WriteFiles(SandboxRecord record, IReadOnlyList<EndpointRecord> endpoints) =>
        SandboxFiles.Write(context.SandboxDirectory(record.Name), record, endpoints, view.Current, SandboxFiles.ReadHostFile("/etc/resolv.conf"),
            HostNamespace.Holds(record) ? SandboxFiles.ReadHostFile("/etc/hosts") : "");

    /// <summary>Builds one endpoint in the kernel, and the network's DNS listener before any process can ask it; the caller holds the kernel lock.</summary>
    private async Task PlumbAsync(EndpointRecord endpoint)
    {
        var snapshot = view.Current;
        var network = snapshot.NetworkById(endpoint.NetworkId) ?? throw ClusterErrors.NetworkNotFound(endpoint.NetworkName);
        switch (network.Driver)
        {
            case NetworkDriver.Overlay:
                overlay.Apply(DesiredState.PlanFor(snapshot, network, HostId, context.Underlay.Mtu));
                break;
            case NetworkDriver.Bridge:
                BridgeNetworkDriver.Apply(DesiredState.PlanFor(snapshot, network, HostId, context.Underlay.Mtu));
                break;
            case NetworkDriver.Null:
                return; // loopback only
            case NetworkDriver.Host:
                return; // the host's own interfaces, as they are: nothing to build, no DNS of Weft's
            default:
                throw new WeftValidationException(ErrorCodes.InvalidNetwork,
                    $"network '{network.Name}' uses the {network.Driver.ToName()} driver, which sandboxes cannot join");
        }
        await dns.EnsureAsync(network);
    }

    public async Task<SandboxRecord> ConnectAsync(string networkName, ConnectRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        await view.RefreshAsync(ct);
        var record = RequireLocalSandbox(request.Sandbox);
        var network = RequireNetwork(networkName);
        var current = view.Current.EndpointsOfSandbox(record.Id).ToList();
        if (current.Any(e => e.NetworkName == networkName))
        {
            throw new WeftValidationException(ClusterErrors.Duplicate, $"sandbox '{record.Name}' is already connected to network '{networkName}'");
        }
        RequireConnectable(record, network, current);
        var next = current.Count == 0 ? 0 : current.Max(e => DesiredState.InterfaceIndex(e.InterfaceName)) + 1;
        var endpoint = await endpoints.CreateAsync(EndpointSpecFor(record, new SandboxNetworkSpec(networkName, request.Ip, request.Aliases), KernelNames.SandboxInterfaceName(next)), ct);
        try
        {
            await view.RefreshAsync(ct);
            using (await kernelLock.AcquireAsync(ct))
            {
                await PlumbAsync(endpoint);
            }
        }
        catch
        {
            await endpoints.RemoveAsync(endpoint, CancellationToken.None);
            throw;
        }
        WriteFiles(record, [.. view.Current.EndpointsOfSandbox(record.Id)]);
        return record;
    }

    public async Task<SandboxRecord> DisconnectAsync(string networkName, ConnectRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        await view.RefreshAsync(ct);
        var record = RequireLocalSandbox(request.Sandbox);
        var endpoint = view.Current.EndpointsOfSandbox(record.Id).FirstOrDefault(e => e.NetworkName == networkName)
            ?? throw new WeftValidationException(ClusterErrors.NotFound, $"sandbox '{record.Name}' is not connected to network '{networkName}'");
        if (HostNamespace.Holds(record))
        {
            // It would stay in the host's namespace whatever the store said: Docker refuses this too.
            throw new WeftValidationException(ErrorCodes.NetworkConflict,
                $"sandbox '{record.Name}' shares the host's network namespace, so it cannot leave network '{networkName}'; remove the sandbox instead");
        }
        await endpoints.RemoveAsync(endpoint, ct);
        await view.RefreshAsync(ct);
        using (await kernelLock.AcquireAsync(ct))
        {
            Detach(view.Current.NetworkById(endpoint.NetworkId), endpoint.Id);
        }
        return record;
    }

    public async Task RemoveAsync(string name, bool force, CancellationToken ct)
    {
        await view.RefreshAsync(ct);
        var record = RequireLocalSandbox(name);
        if (SandboxProcess.IsRunning(record))
        {
            if (!force)
            {
                throw new WeftValidationException(ClusterErrors.InUse, $"sandbox '{name}' is running (pid {record.Pid}); stop it first or force the removal");
            }
            SandboxProcess.Kill(record);
        }
        var mine = view.Current.EndpointsOfSandbox(record.Id).ToList();
        foreach (var e in mine)
        {
            await endpoints.RemoveAsync(e, ct);
        }
        await sandboxes.RemoveAsync(record.Name, record.Id, ct);
        await view.RefreshAsync(ct);
        using (await kernelLock.AcquireAsync(ct))
        {
            foreach (var e in mine)
            {
                Detach(view.Current.NetworkById(e.NetworkId), e.Id);
            }
            // Only the sandbox's own namespace, by the name Weft gives it, is ever deleted. A host-network sandbox's is
            // the host's: at most the pin goes, once no sandbox of this host uses it (the reconciler checks that too).
            var own = KernelNames.SandboxNamespaceName(context.HostName, record.Name);
            if (Path.GetFileName(record.NetworkNamespace) == own && NetworkNamespace.Exists(own, context.NetnsRunDirectory))
            {
                NetworkNamespace.Delete(own, context.NetnsRunDirectory);
            }
            if (HostNamespace.Holds(record) && !HostNamespace.NeededBy(view.Current, HostId))
            {
                context.HostNamespace.Release();
            }
        }
        SandboxFiles.Delete(context.SandboxDirectory(record.Name));
        log.LogInformation("sandbox {Name} removed", name);
    }

    /// <summary>Unplugs an endpoint from whichever driver holds it; the caller holds the kernel lock.</summary>
    private void Detach(NetworkRecord? network, string endpointId)
    {
        switch (network?.Driver)
        {
            case NetworkDriver.Overlay:
                overlay.Detach(network, endpointId);
                break;
            case NetworkDriver.Bridge:
                BridgeNetworkDriver.Detach(endpointId);
                break;
        }
    }

    /// <summary>"running", "exited" (its process ended) or "created" (it never had one).</summary>
    public static string StateOf(SandboxRecord record, string hostId)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.HostId != hostId)
        {
            return record.Pid is null ? "created" : "remote";
        }
        return record.Pid is null ? "created" : SandboxProcess.IsRunning(record) ? "running" : "exited";
    }

    private EndpointSpec EndpointSpecFor(SandboxRecord record, SandboxNetworkSpec network, string interfaceName) => new()
    {
        NetworkName = network.Network,
        SandboxId = record.Id,
        HostId = HostId,
        InterfaceName = interfaceName,
        ContainerName = record.Name,
        Hostname = record.Hostname,
        Aliases = network.Aliases ?? [],
        Address = network.Ip is null ? null : IpAddressText.Parse(network.Ip),
    };

    /// <summary>
    /// A sandbox on a host network lives in the host's namespace and one on a null network has loopback only, so
    /// either is on that network alone (Docker: "conflicting options: cannot attach both user-defined and
    /// non-user-defined network-modes").
    /// </summary>
    private static void RequireCompatible(List<NetworkRecord> networks)
    {
        if (networks.Count < 2 || networks.FirstOrDefault(n => n.Driver.IsExclusive()) is not { } exclusive)
        {
            return;
        }
        var others = string.Join(", ", networks.Where(n => n != exclusive).Select(n => $"'{n.Name}'"));
        throw new WeftValidationException(ErrorCodes.NetworkConflict, exclusive.Driver == NetworkDriver.Host
            ? $"network '{exclusive.Name}' uses the host driver: a sandbox sharing the host's network namespace cannot be on other networks too ({others})"
            : $"network '{exclusive.Name}' uses the null driver (loopback only): a sandbox on it cannot be on other networks too ({others})");
    }

    /// <summary>The same rule for a running sandbox, and: only `run` puts a sandbox in the host's namespace, never `connect`.</summary>
    private void RequireConnectable(SandboxRecord record, NetworkRecord network, List<EndpointRecord> current)
    {
        string? problem = null;
        if (HostNamespace.Holds(record))
        {
            problem = $"sandbox '{record.Name}' shares the host's network namespace, so it cannot be connected to other networks";
        }
        else if (network.Driver == NetworkDriver.Host)
        {
            problem = $"network '{network.Name}' uses the host driver, and sandbox '{record.Name}' has a network namespace of its own; only `weft run --net {network.Name}` makes a sandbox that shares the host's";
        }
        else if (network.Driver == NetworkDriver.Null && current.Count > 0)
        {
            problem = $"network '{network.Name}' uses the null driver (loopback only), and sandbox '{record.Name}' is on {string.Join(", ", current.Select(e => $"'{e.NetworkName}'"))}; disconnect it first";
        }
        else if (current.FirstOrDefault(e => view.Current.NetworkById(e.NetworkId)?.Driver == NetworkDriver.Null) is { } lonely)
        {
            problem = $"sandbox '{record.Name}' is on null network '{lonely.NetworkName}' (loopback only); disconnect it from there first";
        }
        if (problem is not null)
        {
            throw new WeftValidationException(ErrorCodes.NetworkConflict, problem);
        }
    }

    private NetworkRecord RequireNetwork(string name) =>
        view.Current.Networks.TryGetValue(name, out var n) ? n : throw ClusterErrors.NetworkNotFound(name);

    private SandboxRecord RequireLocalSandbox(string name)
    {
        var record = view.Current.Sandboxes.TryGetValue(name, out var s) ? s : throw ClusterErrors.SandboxNotFound(name);
        if (record.HostId != HostId)
        {
            throw new WeftValidationException(ApiErrorCodes.BadRequest, $"sandbox '{name}' runs on host {view.Current.HostName(record.HostId)}; manage it there");
        }
        return record;
    }

    private static (string Name, IPAddress Address) ParseExtraHost(string entry)
    {
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == entry.Length - 1)
        {
            throw new WeftValidationException(ErrorCodes.InvalidAddress, $"--add-host '{entry}' must be NAME:IP");
        }
        var name = entry[..colon];
        NameRules.ValidateAlias(name);
        return (name, IpAddressText.Parse(entry[(colon + 1)..]));
    }
}
