using Microsoft.Extensions.Logging;
using Weft.Agent.Dns;
using Weft.Cluster;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.Core.Naming;

namespace Weft.Agent.Docker;

/// <summary>
/// Keeps the local dockerd's networks of the weft driver equal to the cluster's overlay networks, so a network made on
/// any host (with `docker network create` or `weft network create`) shows in `docker network ls` on every host, and goes
/// from every host once the cluster removed it and no local container uses it. Also collects what a Docker that went
/// away, or a removal made while the agent was down, left: endpoints dockerd no longer knows, their sandboxes, and
/// addresses asked for but never used.
/// </summary>
public sealed class DockerNetworkMirror(
    AgentContext context,
    ClusterView view,
    DockerEngine engine,
    DockerDriver driver,
    DockerNames names,
    EndpointCatalog endpoints,
    SandboxCatalog sandboxes,
    HostDnsClients dnsClients,
    ILogger<DockerNetworkMirror> log)
{
    /// <summary>How long a dockerd that does not answer (yet) may go unasked: its start, after the agent's, is noticed this soon.</summary>
    private static readonly TimeSpan AbsentWaitLimit = TimeSpan.FromSeconds(4);
    /// <summary>Docker asks for an address, then creates the endpoint, then joins it: a moment each, never this long.</summary>
    private TimeSpan Grace => context.Options.DockerCollectGrace;

    private TimeSpan CollectEvery => TimeSpan.FromTicks(Math.Min(Grace.Ticks / 2, TimeSpan.FromSeconds(30).Ticks));

    /// <summary>After Docker dropped a copy the cluster keeps, Docker is asked this often until the copy is back.</summary>
    private static readonly TimeSpan SettleEvery = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(10);

    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private bool _dockerAnswered;

    public async Task RunAsync(CancellationToken stop)
    {
        var nextCollect = DateTimeOffset.MinValue;
        // While no dockerd answers (none on this host, or not started yet) it is asked again less and less often.
        var absentWait = TimeSpan.FromSeconds(1);
        var settleUntil = DateTimeOffset.MinValue;
        var dropped = driver.LocalCopyDropped;
        while (!stop.IsCancellationRequested)
        {
            var seen = view.Version;
            if (dropped.IsCompleted)
            {
                settleUntil = DateTimeOffset.UtcNow + SettleLimit;
                dropped = driver.LocalCopyDropped;
            }
            if (view.Loaded)
            {
                try
                {
                    if (await SyncNetworksAsync(await view.FreshAsync(stop), stop))
                    {
                        settleUntil = DateTimeOffset.MinValue; // the dropped copy is back
                    }
                    if (DateTimeOffset.UtcNow >= nextCollect)
                    {
                        await CollectAsync(stop);
                        nextCollect = DateTimeOffset.UtcNow + CollectEvery;
                    }
                    if (!_dockerAnswered)
                    {
                        log.LogInformation("dockerd answers on {Socket}; its weft networks follow the cluster's", engine.SocketPath);
                        _dockerAnswered = true;
                    }
                    absentWait = TimeSpan.FromSeconds(1);
                }
                catch (DockerEngineException e)
                {
                    if (_dockerAnswered)
                    {
                        log.LogWarning("dockerd: {Error}", e.Message);
                        _dockerAnswered = false;
                    }
                    absentWait = TimeSpan.FromTicks(Math.Min(AbsentWaitLimit.Ticks, absentWait.Ticks * 2));
                }
                catch (Exception e) when (e is Store.StoreException or Core.Errors.WeftValidationException)
                {
                    log.LogWarning("Docker networks: {Error}", e.Message);
                }
            }
            // Docker finishes its removal just after the plugin answered: until the copy is back, it is asked often.
            var wait = !_dockerAnswered ? absentWait : DateTimeOffset.UtcNow < settleUntil ? SettleEvery : CollectEvery;
            // Without a dockerd there is nothing to follow: the cluster's changes wait for the next try, or every change on a
            // busy cluster would be one more failed connect (measured: 6 % of 20 idle-Docker agents' CPU while 200
            // sandboxes were created).
            var changed = _dockerAnswered ? view.WaitForChangeAsync(seen, stop) : Task.Delay(Timeout.Infinite, stop);
            await ((Task)Task.WhenAny(changed, dropped, Task.Delay(wait, stop))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Adds the cluster's networks Docker lacks and removes the ones the cluster dropped; true when it added one and none failed.</summary>
    private async Task<bool> SyncNetworksAsync(ClusterSnapshot snapshot, CancellationToken ct)
    {
        var docker = await engine.ListNetworksAsync(DockerDriver.DriverName, ct);
        var byName = docker.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var (added, failed) = (false, false);
        foreach (var network in snapshot.Networks.Values.Where(n => n.Driver == NetworkDriver.Overlay && !byName.ContainsKey(n.Name)))
        {
            try
            {
                await engine.CreateNetworkAsync(new DockerCreateNetwork(network.Name, DockerDriver.DriverName,
                    new DockerIpam(DockerDriver.DriverName, [.. network.Subnets.Select(s => new DockerIpamConfig(s.Subnet.ToString(), s.Gateway?.ToString(), s.IPRange?.ToString()))]),
                    network.Internal, new Dictionary<string, string> { [DockerDriver.NetworkOption] = network.Id }, CheckDuplicate: true), ct);
                log.LogInformation("Weft network {Name} added to Docker", network.Name);
                _reported.Remove(network.Name);
                added = true;
            }
            catch (DockerEngineException e) when (e.Status is not null)
            {
                failed = true;
                if (_reported.Add(network.Name))
                {
                    log.LogWarning("Weft network {Name} cannot be added to Docker: {Error}", network.Name, e.Message);
                }
            }
        }
        foreach (var gone in docker.Where(d => !snapshot.Networks.ContainsKey(d.Name) && !driver.IsPending(d.Id)))
        {
            if ((await engine.GetNetworkAsync(gone.Id, ct))?.Containers is { Count: > 0 })
            {
                continue; // Docker keeps a network while a container uses it; so does the mirror
            }
            driver.RemovingFromDocker(gone.Id);
            await engine.RemoveNetworkAsync(gone.Id, ct);
            log.LogInformation("Docker network {Name} removed: the cluster no longer has it", gone.Name);
        }
        return added && !failed;
    }

    /// <summary>Frees what Docker no longer uses: endpoints it does not list, their sandboxes, and addresses it asked for but never used.</summary>
    private async Task CollectAsync(CancellationToken ct)
    {
        var docker = await engine.ListNetworksAsync(DockerDriver.DriverName, ct);
        var bridges = await engine.ListNetworksAsync("bridge", ct);
        dnsClients.SetLocalBridges([.. bridges.SelectMany(b => b.IPAM?.Config ?? []).Select(c => c.Subnet).OfType<string>()
            .Select(s => IpNetwork.TryParse(s, out var n, out _) ? n : (IpNetwork?)null).OfType<IpNetwork>()]);
        // Only an inspect lists a network's endpoints (the list leaves Containers empty). A network that went between the
        // two calls ends the round: what is known is then incomplete, and nothing is freed on an incomplete picture.
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var listed in docker)
        {
            if (await engine.GetNetworkAsync(listed.Id, ct) is not { } network)
            {
                return;
            }
            known.UnionWith(network.Containers?.Values.Select(c => c.EndpointID) ?? []);
        }
        var snapshot = await view.FreshAsync(ct);
        var now = DateTimeOffset.UtcNow;
        foreach (var e in DockerEndpoints(snapshot).Where(e => !known.Contains(e.Id) && now - e.CreatedAt > Grace))
        {
            log.LogInformation("Docker endpoint {Endpoint} on {Network} is unknown to dockerd (its container went while the agent was away): released",
                WeftIds.Short(e.Id), e.NetworkName);
            await driver.ReleaseAsync(EndpointKey.Of(e), ct);
        }
        foreach (var (networkId, address, createdAt) in await endpoints.ListPendingAsync(context.HostId, ct))
        {
            if (now - createdAt > Grace)
            {
                await endpoints.ReleasePendingAsync(networkId, address, context.HostId, ct);
            }
        }
        snapshot = view.Current;
        foreach (var empty in snapshot.Sandboxes.Values.Where(s => s.HostId == context.HostId && s.Engine == SandboxEngine.Docker
            && !snapshot.EndpointsOfSandbox(s.Id).Any() && now - s.CreatedAt > Grace))
        {
            await sandboxes.RemoveAsync(empty.Name, empty.Id, [], ct);
        }
        dnsClients.Retain(id => snapshot.SandboxById(id) is not null);
        // Names of containers that joined while the agent was away, or before it started.
        foreach (var e in DockerEndpoints(snapshot).Where(e => e.ContainerName is null && snapshot.SandboxById(e.SandboxId) is not null))
        {
            if (docker.FirstOrDefault(d => d.Name == e.NetworkName) is { } network)
            {
                await names.RefreshAsync(network.Id, e.NetworkName, e, e.SandboxId, ct);
            }
        }
    }

    /// <summary>This host's endpoints that Docker made: joined ones (their sandbox is Docker's) and ones not joined yet (their own id stands in).</summary>
    private IEnumerable<EndpointRecord> DockerEndpoints(ClusterSnapshot snapshot) =>
        snapshot.Endpoints.Values.Where(e => e.HostId == context.HostId
            && (e.SandboxId == e.Id || snapshot.SandboxById(e.SandboxId) is { Engine: SandboxEngine.Docker }));
}
