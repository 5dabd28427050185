using System.Collections.Immutable;
using Weft.Core.Model;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// The cluster's desired state as of one store revision: hosts, networks, endpoints and sandboxes.
/// Immutable, so the reconciler can work from one while the watch builds the next.
/// </summary>
public sealed record ClusterSnapshot
{
    public static readonly ClusterSnapshot Empty = new();

    public long Revision { get; init; }

    /// <summary>Hosts whose lease is alive, by id.</summary>
    public ImmutableDictionary<string, HostRecord> LiveHosts { get; private init; } = ImmutableDictionary<string, HostRecord>.Empty;

    /// <summary>
    /// Hosts whose lease is gone but whose endpoints this host keeps programmed, because its data plane may still carry
    /// their traffic: a lease that disappears while the view watches puts its host here, and this host's probe of the
    /// host's underlay address takes it out once the address stays silent (see the agent's PeerLiveness). An agent that
    /// is down is not a host that is down. Not stored: each agent's own judgement, carried from snapshot to snapshot.
    /// </summary>
    public ImmutableHashSet<string> HeldHosts { get; private init; } = ImmutableHashSet<string>.Empty;

    /// <summary>Every host that ever registered, by id.</summary>
    public ImmutableDictionary<string, HostInfoRecord> KnownHosts { get; private init; } = ImmutableDictionary<string, HostInfoRecord>.Empty;

    /// <summary>Networks by name.</summary>
    public ImmutableDictionary<string, NetworkRecord> Networks { get; private init; } = ImmutableDictionary<string, NetworkRecord>.Empty;

    /// <summary>Endpoints by id.</summary>
    public ImmutableDictionary<string, EndpointRecord> Endpoints { get; private init; } = ImmutableDictionary<string, EndpointRecord>.Empty;

    /// <summary>Sandboxes by name.</summary>
    public ImmutableDictionary<string, SandboxRecord> Sandboxes { get; private init; } = ImmutableDictionary<string, SandboxRecord>.Empty;

    // Indexes kept in step with the maps above by every With/Without, so a lookup by id never scans.
    private ImmutableDictionary<string, NetworkRecord> _networksById = ImmutableDictionary<string, NetworkRecord>.Empty;
    private ImmutableDictionary<string, SandboxRecord> _sandboxesById = ImmutableDictionary<string, SandboxRecord>.Empty;
    private ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>> _endpointsByNetwork = ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>>.Empty;
    private ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>> _endpointsBySandbox = ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>>.Empty;

    public NetworkRecord? NetworkById(string id) => _networksById.GetValueOrDefault(id);

    public IEnumerable<EndpointRecord> EndpointsOf(string networkId) =>
        _endpointsByNetwork.TryGetValue(networkId, out var e) ? e.Values : [];

    public IEnumerable<EndpointRecord> EndpointsOfSandbox(string sandboxId) =>
        _endpointsBySandbox.TryGetValue(sandboxId, out var e) ? e.Values : [];

    public SandboxRecord? SandboxById(string id) => _sandboxesById.GetValueOrDefault(id);

    public bool IsAlive(string hostId) => LiveHosts.ContainsKey(hostId);

    /// <summary>Whether this host points traffic and names at <paramref name="hostId"/>'s endpoints: its lease is alive, or it is held.</summary>
    /// <summary>"live" (its record is live), "held" (record gone, data plane answers) or "gone" (withdrawn).</summary>
    public string HostState(string hostId) => LiveHosts.ContainsKey(hostId) ? "live" : HeldHosts.Contains(hostId) ? "held" : "gone";

    public bool IsReachable(string hostId) => LiveHosts.ContainsKey(hostId) || HeldHosts.Contains(hostId);

    /// <summary>The underlay address (VTEP) of a reachable host, as its record gives it; null for a host not reachable.</summary>
    public string? VtepOf(string hostId) =>
        LiveHosts.TryGetValue(hostId, out var live) ? live.UnderlayAddress
        : HeldHosts.Contains(hostId) && KnownHosts.TryGetValue(hostId, out var known) ? known.UnderlayAddress
        : null;

    /// <summary>The snapshot with exactly <paramref name="held"/> held, of the hosts it knows and whose lease is gone.</summary>
    public ClusterSnapshot WithHeld(IEnumerable<string> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        var next = held.Where(id => KnownHosts.ContainsKey(id) && !LiveHosts.ContainsKey(id)).ToImmutableHashSet(StringComparer.Ordinal);
        return next.SetEquals(HeldHosts) ? this : this with { HeldHosts = next };
    }

    /// <summary>
    /// A fresh listing, made to follow <paramref name="previous"/>: hosts held there stay held, and hosts live there but
    /// gone from the listing become held, as a lease deletion seen through the watch would (an outage longer than the TTL
    /// expires every lease at once; the re-list after it must not withdraw them all).
    /// </summary>
    public ClusterSnapshot Following(ClusterSnapshot previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        return WithHeld(previous.HeldHosts.Union(previous.LiveHosts.Keys));
    }

    /// <summary>The host's name, or its short id when it never registered a name.</summary>
    public string HostName(string hostId) =>
        LiveHosts.TryGetValue(hostId, out var h) ? h.Name
        : KnownHosts.TryGetValue(hostId, out var i) ? i.Name
        : hostId[..Math.Min(12, hostId.Length)];

    /// <summary>Builds a snapshot from a listing of <see cref="ClusterKeys.Root"/>.</summary>
    public static ClusterSnapshot FromListing(ListResult listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var s = Empty with { Revision = listing.Revision };
        foreach (var kv in listing.Items)
        {
            s = s.With(kv.Key, kv.Value);
        }
        return s;
    }

    /// <summary>
    /// The snapshot after one watch event. <see cref="Revision"/> claims a revision only once its last change is applied
    /// (<see cref="WatchEvent.EndsRevision"/>): until then the snapshot holds part of that transaction, and claims only
    /// the revision before it, so whoever waits for the transaction's revision never gets half of it.
    /// </summary>
    public ClusterSnapshot Apply(WatchEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var next = e.Kind switch
        {
            WatchEventKind.Put => With(e.Key, e.Value),
            WatchEventKind.Delete => Without(e.Key),
            _ => this,
        };
        return e.IsChange ? next with { Revision = Math.Max(Revision, e.EndsRevision ? e.Revision : e.Revision - 1) } : next;
    }

    /// <summary>The snapshot with a host's live record (its lease alive); for building snapshots in tests and views.</summary>
    public ClusterSnapshot With(HostRecord host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return this with { LiveHosts = LiveHosts.SetItem(host.Id, host), HeldHosts = HeldHosts.Remove(host.Id) };
    }

    public ClusterSnapshot With(HostInfoRecord host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return this with { KnownHosts = KnownHosts.SetItem(host.Id, host) };
    }

    public ClusterSnapshot With(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return WithNetwork(network.Name, network);
    }

    public ClusterSnapshot With(EndpointRecord endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return WithEndpoint(endpoint.Id, endpoint);
    }

    public ClusterSnapshot With(SandboxRecord sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        return WithSandbox(sandbox.Name, sandbox);
    }

    private ClusterSnapshot With(string key, byte[] value)
    {
        // Records are filed under their key's last segment, the way Without finds them again.
        var id = ClusterKeys.LastSegment(key);
        if (key.StartsWith(ClusterKeys.Hosts, StringComparison.Ordinal))
        {
            return RecordCodec.Host(value) is { } h ? this with { LiveHosts = LiveHosts.SetItem(id, h), HeldHosts = HeldHosts.Remove(id) } : Without(key);
        }
        if (key.StartsWith(ClusterKeys.HostInfo, StringComparison.Ordinal))
        {
            return RecordCodec.HostInfo(value) is { } h ? this with { KnownHosts = KnownHosts.SetItem(id, h) } : Without(key);
        }
        if (key.StartsWith(ClusterKeys.Networks, StringComparison.Ordinal))
        {
            return RecordCodec.Network(value) is { } n ? WithNetwork(id, n) : Without(key);
        }
        if (key.StartsWith(ClusterKeys.Endpoints, StringComparison.Ordinal))
        {
            return RecordCodec.Endpoint(value) is { } ep ? WithEndpoint(id, ep) : Without(key);
        }
        if (key.StartsWith(ClusterKeys.Sandboxes, StringComparison.Ordinal))
        {
            return RecordCodec.Sandbox(value) is { } sb ? WithSandbox(id, sb) : Without(key);
        }
        return this;
    }

    private ClusterSnapshot WithNetwork(string name, NetworkRecord n)
    {
        var rest = WithoutNetwork(name);
        return rest with { Networks = rest.Networks.SetItem(name, n), _networksById = rest._networksById.SetItem(n.Id, n) };
    }

    private ClusterSnapshot WithEndpoint(string id, EndpointRecord ep)
    {
        var rest = WithoutEndpoint(id);
        return rest with
        {
            Endpoints = rest.Endpoints.SetItem(id, ep),
            _endpointsByNetwork = Add(rest._endpointsByNetwork, ep.NetworkId, ep),
            _endpointsBySandbox = Add(rest._endpointsBySandbox, ep.SandboxId, ep),
        };
    }

    private ClusterSnapshot WithSandbox(string name, SandboxRecord sb)
    {
        var rest = WithoutSandbox(name);
        return rest with { Sandboxes = rest.Sandboxes.SetItem(name, sb), _sandboxesById = rest._sandboxesById.SetItem(sb.Id, sb) };
    }

    private ClusterSnapshot Without(string key)
    {
        var id = ClusterKeys.LastSegment(key);
        if (key.StartsWith(ClusterKeys.Hosts, StringComparison.Ordinal))
        {
            // A lease that goes while this host watches: its host is held until its underlay address is found silent.
            return LiveHosts.ContainsKey(id) && KnownHosts.ContainsKey(id)
                ? this with { LiveHosts = LiveHosts.Remove(id), HeldHosts = HeldHosts.Add(id) }
                : this with { LiveHosts = LiveHosts.Remove(id) };
        }
        if (key.StartsWith(ClusterKeys.HostInfo, StringComparison.Ordinal))
        {
            return this with { KnownHosts = KnownHosts.Remove(id), HeldHosts = HeldHosts.Remove(id) };
        }
        if (key.StartsWith(ClusterKeys.Networks, StringComparison.Ordinal))
        {
            return WithoutNetwork(id);
        }
        if (key.StartsWith(ClusterKeys.Endpoints, StringComparison.Ordinal))
        {
            return WithoutEndpoint(id);
        }
        if (key.StartsWith(ClusterKeys.Sandboxes, StringComparison.Ordinal))
        {
            return WithoutSandbox(id);
        }
        return this;
    }

    private ClusterSnapshot WithoutNetwork(string name) =>
        Networks.TryGetValue(name, out var n) ? this with { Networks = Networks.Remove(name), _networksById = _networksById.Remove(n.Id) } : this;

    private ClusterSnapshot WithoutEndpoint(string id) =>
        Endpoints.TryGetValue(id, out var ep)
            ? this with
            {
                Endpoints = Endpoints.Remove(id),
                _endpointsByNetwork = Remove(_endpointsByNetwork, ep.NetworkId, ep.Id),
                _endpointsBySandbox = Remove(_endpointsBySandbox, ep.SandboxId, ep.Id),
            }
            : this;

    private ClusterSnapshot WithoutSandbox(string name) =>
        Sandboxes.TryGetValue(name, out var sb) ? this with { Sandboxes = Sandboxes.Remove(name), _sandboxesById = _sandboxesById.Remove(sb.Id) } : this;

    private static ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>> Add(
        ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>> index, string group, EndpointRecord endpoint) =>
        index.SetItem(group, index.GetValueOrDefault(group, ImmutableDictionary<string, EndpointRecord>.Empty).SetItem(endpoint.Id, endpoint));

    private static ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>> Remove(
        ImmutableDictionary<string, ImmutableDictionary<string, EndpointRecord>> index, string group, string endpointId)
    {
        if (!index.TryGetValue(group, out var members))
        {
            return index;
        }
        var rest = members.Remove(endpointId);
        return rest.IsEmpty ? index.Remove(group) : index.SetItem(group, rest);
    }
}
