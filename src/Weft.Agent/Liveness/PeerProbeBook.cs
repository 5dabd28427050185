using System.Net;
using Weft.Cluster;

namespace Weft.Agent.Liveness;

/// <summary>What this host concluded about a lease-less peer from probing its underlay address.</summary>
public enum PeerVerdict
{
    /// <summary>Too few probes yet: a host held stays held, one not held stays out.</summary>
    Undecided,

    /// <summary>It answered one of the last probes: its data plane is up, so its endpoints stay programmed.</summary>
    Answering,

    /// <summary>Its last <see cref="PeerProbeBook.SilentAfter"/> probes went unanswered: it is withdrawn.</summary>
    Silent,
}

/// <summary>
/// The bookkeeping of the peer probe, pure so it is unit-tested: which peers are probed (every known host but this one
/// whose lease is gone), how many probes each left unanswered, and from that each peer's verdict and the set of hosts
/// the view should hold. Not thread-safe: one loop owns it.
/// </summary>
public sealed class PeerProbeBook(string localHostId, int silentAfter = PeerProbeBook.DefaultSilentAfter)
{
    public const int DefaultSilentAfter = 3;

    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);

    /// <summary>How many probes in a row must go unanswered before a peer is silent.</summary>
    public int SilentAfter { get; } = silentAfter;

    /// <summary>The peers being probed, by host id, with their underlay address.</summary>
    public IEnumerable<(string HostId, IPAddress Vtep)> Probed => _peers.Select(p => (p.Key, p.Value.Vtep));

    public bool AnyUndecided => _peers.Keys.Any(id => VerdictOf(id) == PeerVerdict.Undecided);

    /// <summary>
    /// Follows <paramref name="snapshot"/>: starts probing known hosts whose lease is gone, stops for those live again
    /// or forgotten, and starts over for one whose address changed. Returns the hosts newly probed.
    /// </summary>
    public IReadOnlyList<string> Track(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var fresh = new List<string>();
        foreach (var (id, info) in snapshot.KnownHosts)
        {
            if (id == localHostId || snapshot.IsAlive(id) || !IPAddress.TryParse(info.UnderlayAddress, out var vtep))
            {
                continue;
            }
            if (!_peers.TryGetValue(id, out var peer) || !peer.Vtep.Equals(vtep))
            {
                _peers[id] = new Peer(vtep);
                fresh.Add(id);
            }
        }
        foreach (var id in _peers.Keys.Where(id => snapshot.IsAlive(id) || !snapshot.KnownHosts.ContainsKey(id)).ToList())
        {
            _peers.Remove(id);
        }
        return fresh;
    }

    /// <summary>A probe went out to <paramref name="hostId"/>.</summary>
    public void Sent(string hostId)
    {
        if (_peers.TryGetValue(hostId, out var peer))
        {
            peer.Unanswered++;
        }
    }

    /// <summary>Replies came from <paramref name="addresses"/>: every probe to them so far counts as answered.</summary>
    public void Answered(IReadOnlySet<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (var peer in _peers.Values.Where(p => addresses.Contains(p.Vtep)))
        {
            peer.Unanswered = 0;
            peer.EverAnswered = true;
        }
    }

    public PeerVerdict VerdictOf(string hostId) =>
        !_peers.TryGetValue(hostId, out var peer) ? PeerVerdict.Undecided
        : peer.Unanswered >= SilentAfter ? PeerVerdict.Silent
        : peer.EverAnswered ? PeerVerdict.Answering
        : PeerVerdict.Undecided;

    /// <summary>The hosts <paramref name="snapshot"/> should hold: those it holds, plus the answering, minus the silent.</summary>
    public IEnumerable<string> Held(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.HeldHosts.Where(id => VerdictOf(id) != PeerVerdict.Silent)
            .Union(_peers.Keys.Where(id => VerdictOf(id) == PeerVerdict.Answering), StringComparer.Ordinal);
    }

    private sealed class Peer(IPAddress vtep)
    {
        public IPAddress Vtep { get; } = vtep;

        public int Unanswered { get; set; }

        public bool EverAnswered { get; set; }
    }
}
