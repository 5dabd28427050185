using System.Globalization;
using Weft.Api;
using Weft.Core.Overlay;
using Weft.Linux.Probes;
using static Weft.Cli.Commands.Doctor.DoctorFindings;

namespace Weft.Cli.Commands.Doctor;

/// <summary>Judges what the agent reports about the cluster and what the probes found. No I/O: each rule is unit-tested.</summary>
internal static class ClusterChecks
{
    /// <summary>A store read slower than this is worth a warning: every API write waits for one or more.</summary>
    public static readonly TimeSpan SlowStore = TimeSpan.FromMilliseconds(100);

    /// <summary>Beyond this, hosts' logs stop lining up and the reaper's grace period counts from the wrong moment.</summary>
    public static readonly TimeSpan ClockSkewLimit = TimeSpan.FromSeconds(2);

    private const int VxlanOverhead = MtuRules.VxlanOverheadIPv4;

    private const string StoreCheck = "store", ClockCheck = "clock", OverlapCheck = "subnet-overlap", MtuCheck = "mtu", PeerCheck = "peer-udp-4789";

    public static IEnumerable<DoctorFinding> Store(DoctorStoreView store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!store.Reachable)
        {
            yield return new DoctorFinding(StoreCheck, Error, $"the agent cannot reach the store {store.Location}: {store.Error}", store.Location,
                "check the store and the way to it: for etcd `systemctl status etcd` and `etcdctl endpoint health`; for the embedded store the file's directory");
            yield break;
        }
        var latency = TimeSpan.FromMilliseconds(store.LatencyMs ?? 0);
        yield return latency > SlowStore
            ? new DoctorFinding(StoreCheck, Warning, $"the store {store.Location} answers a read in {Ms(latency)}: slow, every change waits for it", store.Location,
                "check the store's disk (etcd wants an SSD) and the network to it")
            : new DoctorFinding(StoreCheck, Ok, $"the store {store.Location} answers a read in {Ms(latency)}", store.Location);

        if (store.ClockSkewMs is not { } skewMs)
        {
            yield return new DoctorFinding(ClockCheck, Ok, "the embedded store is a file on this machine: it shares this host's clock");
            yield break;
        }
        var skew = TimeSpan.FromMilliseconds(skewMs);
        var blur = Ms(TimeSpan.FromMilliseconds(store.ClockUncertaintyMs ?? 0));
        yield return skew.Duration() > ClockSkewLimit
            ? new DoctorFinding(ClockCheck, Warning,
                $"this host's clock is at least {Ms(skew.Duration())} {(skew > TimeSpan.Zero ? "ahead of" : "behind")} the store's (read from its HTTP Date header, ±{blur})",
                Fix: "timedatectl set-ntp true (and the same on the store's host)")
            : new DoctorFinding(ClockCheck, Ok, $"this host's clock agrees with the store's within {blur}");
    }

    public static IEnumerable<DoctorFinding> Overlaps(DoctorClusterView cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var overlaps = SubnetOverlaps.Find(cluster.Networks, cluster.Hosts);
        foreach (var o in overlaps)
        {
            yield return new DoctorFinding(OverlapCheck, Error,
                $"network {o.Network}'s subnet {o.Subnet} overlaps the route {o.Route} of host {o.Host}: traffic for one of them goes the wrong way there",
                o.Network, $"move the network to a free subnet (weft network rm {o.Network}, then weft network create --subnet ...), or remove the route on {o.Host}");
        }
        if (overlaps.Count == 0)
        {
            yield return new DoctorFinding(OverlapCheck, Ok,
                $"no subnet of {Count(cluster.Networks.Count, "network")} overlaps a route of {Count(cluster.Hosts.Count, "host")}");
        }
    }

    /// <summary>Every overlay's MTU must fit this host's underlay with VXLAN's 50 bytes on top.</summary>
    public static IEnumerable<DoctorFinding> Mtu(DoctorClusterView cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var room = MtuRules.OverlayMtu(cluster.UnderlayMtu);
        var tooBig = cluster.Networks.Where(n => n.Driver == "overlay" && n.Mtu > room).ToList();
        foreach (var n in tooBig)
        {
            yield return new DoctorFinding(MtuCheck, Error,
                $"network {n.Name} has MTU {n.Mtu}, but {cluster.UnderlayDevice}'s MTU {cluster.UnderlayMtu} leaves room for {room}: its full-size packets are dropped here",
                n.Name, $"recreate it with --mtu {room}, or raise the underlay's MTU (ip link set {cluster.UnderlayDevice} mtu {n.Mtu + VxlanOverhead})");
        }
        if (tooBig.Count == 0)
        {
            yield return new DoctorFinding(MtuCheck, Ok, $"{cluster.UnderlayDevice} has MTU {cluster.UnderlayMtu}: overlays fit up to MTU {room}", cluster.UnderlayDevice);
        }
    }

    /// <summary>What one peer's probe means. <paramref name="result"/> is null for a host that is not alive (not probed).</summary>
    public static DoctorFinding Peer(DoctorHostView peer, UnderlayProbeResult? result)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var who = $"{peer.Name} ({peer.Address})";
        if (result is null)
        {
            return new DoctorFinding(PeerCheck, Info, $"{who} has no live agent; not probed", peer.Name);
        }
        if (!result.Answered)
        {
            return new DoctorFinding(PeerCheck, Error,
                $"{who} does not answer on UDP 4789: a firewall on {peer.Name} or on the way drops VXLAN, so no overlay traffic reaches it " +
                "(or its agent cannot answer probes: see its log)",
                peer.Name, $"on {peer.Name}: iptables -I INPUT -p udp --dport 4789 -j ACCEPT (or nft add rule inet filter input udp dport 4789 accept), and allow UDP 4789 between the hosts");
        }
        if (!result.FullSizeAnswered)
        {
            var known = result.PathMtu < result.FullSize;
            return new DoctorFinding(MtuCheck, Error,
                $"{who} answers small probes but not a full-size one ({result.FullSize} bytes, Don't Fragment): the path MTU is " +
                (known ? $"{result.PathMtu}" : "lower, and no ICMP 'fragmentation needed' comes back") + ", so full-size overlay packets are lost",
                peer.Name, known
                    ? $"create overlays with --mtu {result.PathMtu - VxlanOverhead}, or raise the path's MTU"
                    : $"find the path MTU (tracepath {peer.Address}), then create overlays with --mtu (path MTU - {VxlanOverhead})");
        }
        return new DoctorFinding(PeerCheck, Ok, $"{who} answers on UDP 4789; full-size packets ({result.FullSize} bytes) arrive (path MTU {result.PathMtu})", peer.Name);
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(t.TotalMilliseconds < 10 ? "0.##" : "0", CultureInfo.InvariantCulture) + " ms";

    private static string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
}
