using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Weft.Agent.Dns;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.Core.Naming;

namespace Weft.Agent.Docker;

/// <summary>
/// What Docker never tells a plugin: a container's name, hostname and --network-alias. Read from dockerd once the
/// container has joined (dockerd lists the endpoint only after Join returns) and written into the endpoint's record, so
/// Weft's DNS answers them on every host. Also notes the container's address on Docker's own bridges (docker_gwbridge),
/// the address its DNS queries to Weft's host address come from.
/// </summary>
public sealed class DockerNames(DockerEngine engine, EndpointCatalog endpoints, HostDnsClients dnsClients, ILogger<DockerNames> log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _learning = new(StringComparer.Ordinal);

    /// <summary>Starts learning the names of a joined endpoint, in the background.</summary>
    public void Learn(string dockerNetworkId, string networkName, EndpointRecord endpoint, string sandboxId)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var stop = new CancellationTokenSource(Patience);
        _learning.AddOrUpdate(endpoint.Id, stop, (_, old) =>
        {
            old.Cancel();
            return stop;
        });
        _ = Task.Run(() => LearnAsync(dockerNetworkId, networkName, endpoint, sandboxId, stop), CancellationToken.None);
    }

    /// <summary>The endpoint goes: stop learning about it.</summary>
    public void Forget(string endpointId)
    {
        if (_learning.TryRemove(endpointId, out var stop))
        {
            stop.Cancel();
        }
    }

    /// <summary>Reads a running container's names into its endpoint now (the agent's start, for containers that joined before).</summary>
    public async Task RefreshAsync(string dockerNetworkId, string networkName, EndpointRecord endpoint, string sandboxId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (ContainerOf(await engine.GetNetworkAsync(dockerNetworkId, ct), endpoint.Id) is { } containerId)
        {
            await ApplyAsync(containerId, networkName, endpoint, sandboxId, ct);
        }
    }

    /// <summary>
    /// The container an endpoint belongs to, by dockerd's network listing; null until the container is attached: dockerd
    /// lists an endpoint under "ep-ENDPOINTID" while Join is under way, and under the container's id only afterwards.
    /// </summary>
    private static string? ContainerOf(DockerNetwork? network, string endpointId) =>
        network?.Containers?.FirstOrDefault(c => c.Value.EndpointID == endpointId && !c.Key.StartsWith("ep-", StringComparison.Ordinal)).Key;

    private async Task LearnAsync(string dockerNetworkId, string networkName, EndpointRecord endpoint, string sandboxId, CancellationTokenSource stop)
    {
        try
        {
            while (true)
            {
                if (ContainerOf(await engine.GetNetworkAsync(dockerNetworkId, stop.Token), endpoint.Id) is { } containerId)
                {
                    await ApplyAsync(containerId, networkName, endpoint, sandboxId, stop.Token);
                    return;
                }
                await Task.Delay(20, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Left before dockerd listed it, or dockerd never did; a container that runs is read again at the next start.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.LogWarning("names of Docker endpoint {Endpoint} on {Network}: {Error}", WeftIds.Short(endpoint.Id), networkName, e.Message);
        }
        finally
        {
            if (_learning.TryGetValue(endpoint.Id, out var current) && current == stop)
            {
                _learning.TryRemove(endpoint.Id, out _);
            }
            stop.Dispose();
        }
    }

    private async Task ApplyAsync(string containerId, string networkName, EndpointRecord endpoint, string sandboxId, CancellationToken ct)
    {
        var container = await engine.GetContainerAsync(containerId, ct);
        if (container is null)
        {
            return;
        }
        var settings = container.NetworkSettings?.Networks;
        var aliases = (settings?.GetValueOrDefault(networkName)?.Aliases ?? []).Where(NameRules.IsValidDnsName).Distinct(StringComparer.Ordinal).ToList();
        var name = container.Name.TrimStart('/');
        var hostname = container.Config?.Hostname is { } h && NameRules.IsValidHostName(h) ? h : null;
        await endpoints.UpdateAsync(endpoint with
        {
            ContainerName = NameRules.IsValidName(name) ? name : null,
            Hostname = hostname,
            Aliases = aliases,
        }, ct);
        foreach (var other in settings?.Where(n => n.Key != networkName) ?? [])
        {
            if (IPAddress.TryParse(other.Value.IPAddress, out var address))
            {
                dnsClients.Add(address, sandboxId);
            }
        }
    }
}
