using Weft.Api;

namespace Weft.Lab;

/// <summary>One host's health as `weft lab status` shows it.</summary>
public sealed record LabHostStatus(LabHost Host, bool AgentRunning, AgentStatus? Agent, string? Error);

/// <summary>The lab as its agents see it.</summary>
public sealed record LabReport(IReadOnlyList<LabHostStatus> Hosts, bool StoreRunning, IReadOnlyList<NetworkSummary> Networks);

public static class LabStatus
{
    /// <summary>Asks every agent for its status (2 s each at most) and one healthy agent for the networks.</summary>
    public static async Task<LabReport> CollectAsync(LabState state, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        var hosts = await Task.WhenAll(state.Hosts.Select(async h =>
        {
            var running = h.AgentPid is { } pid && LabProcesses.IsAlive(pid);
            try
            {
                using var client = new WeftApiClient(h.SocketPath, TimeSpan.FromSeconds(2));
                return new LabHostStatus(h, running, await client.StatusAsync(ct), null);
            }
            catch (Exception e) when (e is WeftApiException or TaskCanceledException or HttpRequestException)
            {
                return new LabHostStatus(h, running, null, e.Message);
            }
        }));
        IReadOnlyList<NetworkSummary> networks = [];
        foreach (var h in hosts.Where(h => h.Agent is { StoreReachable: true }))
        {
            try
            {
                using var client = new WeftApiClient(h.Host.SocketPath, TimeSpan.FromSeconds(2));
                networks = await client.ListNetworksAsync(ct);
                break;
            }
            catch (WeftApiException)
            {
                // Try the next host.
            }
        }
        var storeRunning = state.StorePid is not { } sp || LabProcesses.IsAlive(sp);
        return new LabReport(hosts, storeRunning, networks);
    }
}
