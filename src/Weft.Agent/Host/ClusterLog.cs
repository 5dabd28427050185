using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Weft.Cluster;
using Weft.Core.Model;

namespace Weft.Agent.Host;

/// <summary>
/// Logs what an operator must hear about the cluster from this host's point of view, as the view changes: a peer whose
/// record expired (its underlay address is probed from then on: see PeerLiveness) and its return, naming the host; and the store that stops
/// answering and answers again.
/// </summary>
public static class ClusterLog
{
    public static async Task RunAsync(ClusterView view, string hostId, ILogger log, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(log);
        Dictionary<string, HostRecord>? peers = null;
        var reachable = true;
        var down = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var seen = view.Version;
            var snapshot = view.Current;
            if (view.StoreReachable != reachable)
            {
                reachable = view.StoreReachable;
                if (reachable)
                {
                    log.LogInformation("cluster store {Store} answers again after {Seconds:0.0} s", view.Location, down.Elapsed.TotalSeconds);
                }
                else
                {
                    down.Restart();
                    log.LogWarning("cluster store {Store} stopped answering: {Error}; the data plane stays as it is", view.Location, view.StoreError);
                }
            }
            if (view.Loaded)
            {
                var live = snapshot.LiveHosts.Where(h => h.Key != hostId).ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
                if (peers is null)
                {
                    log.LogInformation("{Count} peer host(s) live{Hosts}", live.Count,
                        live.Count == 0 ? "" : ": " + string.Join(", ", live.Values.Select(h => h.Name).Order(StringComparer.Ordinal)));
                }
                else if (reachable)
                {
                    // While the store is unreachable the view keeps its last state: nothing expires or returns.
                    foreach (var (id, host) in peers.Where(p => !live.ContainsKey(p.Key)))
                    {
                        log.LogWarning("host {Host} ({Address}) expired: no keep-alive within its TTL; its endpoints stay here while its underlay answers probes",
                            host.Name, host.UnderlayAddress);
                    }
                    foreach (var (id, host) in live.Where(p => !peers.ContainsKey(p.Key)))
                    {
                        log.LogInformation("host {Host} ({Address}) is live (incarnation {Incarnation})", host.Name, host.UnderlayAddress, host.Incarnation);
                    }
                }
                peers = live;
            }
            await view.WaitForChangeAsync(seen, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
