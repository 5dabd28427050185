using System.Diagnostics.Metrics;
using System.Globalization;
using Weft.Agent.Reconcile;
using Weft.Cluster;
using Weft.Dns;
using Weft.Linux.Processes;

namespace Weft.Agent.Telemetry;

/// <summary>
/// What the agent holds, read when Prometheus scrapes (meter <see cref="MeterName"/>): entries programmed, endpoints per
/// network, the store's reachability and how far the watch is behind it, DNS queries by outcome, and the process's own
/// memory and CPU. Observable instruments cost nothing between scrapes.
/// </summary>
public sealed class AgentObservations : IDisposable
{
    public const string MeterName = "Weft.Agent.State";

    private readonly Meter _meter = new(MeterName);
    private long _storeRevision;

    public AgentObservations(ClusterView view, Reconciler reconciler, DnsServerStats dns, string hostId)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(reconciler);
        ArgumentNullException.ThrowIfNull(dns);
        _meter.CreateObservableGauge("weft.kernel.remote_entries", () => new[]
        {
            new Measurement<long>(reconciler.RemoteEntries, new KeyValuePair<string, object?>("kind", "fdb")),
            new Measurement<long>(reconciler.RemoteEntries, new KeyValuePair<string, object?>("kind", "neighbor")),
        }, null, "Static FDB and neighbour entries for remote endpoints programmed on this host, as of the last reconcile pass");
        _meter.CreateObservableGauge("weft.reconcile.programmed_networks", () => (long)reconciler.ProgrammedNetworks.Count, null,
            "Overlay networks built on this host");
        _meter.CreateObservableGauge("weft.network.endpoints", () => Endpoints(view.Current, hostId), null,
            "Endpoints per network in the cluster view, on this host (where=here) and on all hosts (where=cluster)");
        _meter.CreateObservableGauge("weft.cluster.live_hosts", () => (long)view.Current.LiveHosts.Count, null, "Hosts whose record is alive in the store");
        _meter.CreateObservableGauge("weft.store.up", () => view.StoreReachable && view.Loaded ? 1L : 0L, null,
            "1 while the cluster store answers and the view is loaded, 0 otherwise");
        _meter.CreateObservableGauge("weft.store.watch.lag", () => Math.Max(0, Volatile.Read(ref _storeRevision) - view.Current.Revision), null,
            "Revisions the cluster view is behind the store, as the store answered at this scrape");
        _meter.CreateObservableCounter("weft.dns.queries", () => new[]
        {
            Outcome(dns.AnsweredLocally, "local"),
            Outcome(dns.Forwarded, "forwarded"),
            Outcome(dns.RateLimited, "rate_limited"),
            Outcome(dns.Dropped, "dropped"),
            Outcome(dns.Errors, "error"),
        }, null, "DNS queries by outcome: answered from the cluster view, forwarded upstream, rate-limited, dropped, failed");
        _meter.CreateObservableCounter("weft.dns.responses", () => new[]
        {
            Rcode(dns.NxDomain, "nxdomain"),
            Rcode(dns.ServFail, "servfail"),
            Rcode(dns.FormErr, "formerr"),
            Rcode(dns.NotImp, "notimp"),
            Rcode(dns.Refused, "refused"),
        }, null, "DNS error responses sent, by response code");
        _meter.CreateObservableCounter("weft.dns.upstream.timeouts", () => dns.UpstreamTimeouts, null, "Forwarded DNS queries no upstream answered in time");
        _meter.CreateObservableGauge("process.resident_memory", ProcessMemory.ResidentBytes, "By", "Resident memory of the agent (VmRSS)");
        _meter.CreateObservableCounter("process.cpu", CpuSeconds, "s", "CPU time the agent used, user and system");
    }

    /// <summary>What the store's revision was just now; the watch lag is measured against it.</summary>
    public void StoreRevisionSeen(long revision) => Volatile.Write(ref _storeRevision, revision);

    private static Measurement<long> Outcome(long value, string outcome) => new(value, new KeyValuePair<string, object?>("outcome", outcome));

    private static Measurement<long> Rcode(long value, string rcode) => new(value, new KeyValuePair<string, object?>("rcode", rcode));

    private static IEnumerable<Measurement<long>> Endpoints(ClusterSnapshot snapshot, string hostId)
    {
        foreach (var network in snapshot.Networks.Values)
        {
            var endpoints = snapshot.EndpointsOf(network.Id).ToList();
            yield return new(endpoints.Count, new("network", network.Name), new("where", "cluster"));
            yield return new(endpoints.Count(e => e.HostId == hostId), new("network", network.Name), new("where", "here"));
        }
    }

    private static double CpuSeconds()
    {
        // utime and stime, the 14th and 15th fields, after the command name (which may hold spaces) in parentheses.
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0; // USER_HZ
    }

    public void Dispose() => _meter.Dispose();
}
