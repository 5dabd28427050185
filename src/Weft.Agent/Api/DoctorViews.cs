using System.Diagnostics;
using Weft.Agent.Host;
using Weft.Api;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.DataPlane;
using Weft.Store;

namespace Weft.Agent.Api;

/// <summary>GET /v1/doctor: the cluster as this agent sees it, and the store measured now (a read's round trip, its clock).</summary>
public sealed class DoctorViews(AgentContext context, ClusterView view, IClusterStore store, NetworkDriverRegistry drivers, UnderlayProbeService probes)
{
    public async Task<DoctorClusterView> BuildAsync(CancellationToken ct)
    {
        var underlay = context.Host.Underlay;
        var s = view.Current;
        var hosts = s.KnownHosts.Values
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .Select(h => new DoctorHostView(h.Id, h.Name, s.LiveHosts.TryGetValue(h.Id, out var live) ? live.UnderlayAddress : h.UnderlayAddress,
                s.IsAlive(h.Id), [.. h.Routes.Select(r => r.ToString())]))
            .ToArray();
        var networks = s.Networks.Values
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new DoctorNetworkView(n.Name, n.Driver.ToName(), [.. n.Subnets.Select(x => x.Subnet.ToString())], drivers.For(n).Mtu(n)))
            .ToArray();
        return new DoctorClusterView(context.HostName, context.HostId, underlay.Address.ToString(), underlay.Device, underlay.Mtu,
            await MeasureStoreAsync(ct), hosts, networks, probes.Running, probes.Error);
    }

    /// <summary>
    /// The best of three reads (the other two absorb a first connection or a busy moment), then the server's clock.
    /// Any failure is the answer: a store that stops answering is reported, never assumed fine.
    /// </summary>
    private async Task<DoctorStoreView> MeasureStoreAsync(CancellationToken ct)
    {
        try
        {
            var best = double.MaxValue;
            for (var i = 0; i < 3; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await store.ListAsync(ClusterKeys.RevisionProbe, ct);
                best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            var clock = await store.SampleClockAsync(ct);
            return new DoctorStoreView(store.Location, true, null, Math.Round(best, 3),
                clock is null ? null : clock.SkewAtLeast.TotalMilliseconds, clock is null ? null : clock.Uncertainty.TotalMilliseconds);
        }
        catch (StoreException e)
        {
            return new DoctorStoreView(store.Location, false, e.Message, null, null, null);
        }
    }
}
