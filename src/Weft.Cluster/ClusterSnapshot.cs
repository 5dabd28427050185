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
    public ImmutableDictionary<string, HostRecord> LiveHosts { get; init; } = ImmutableDictionary<string, HostRecord>.Empty;

    /// <summary>Every host that ever registered, by id.</summary>
    public ImmutableDictionary<string, HostInfoRecord> KnownHosts { get; init; } = ImmutableDictionary<string, HostInfoRecord>.Empty;

    /// <summary>Networks by name.</summary>
    public ImmutableDictionary<string, NetworkRecord> Networks { get; init; } = ImmutableDictionary<string, NetworkRecord>.Empty;

    /// <summary>Endpoints by id.</summary>
    public ImmutableDictionary<string, EndpointRecord> Endpoints { get; init; } = ImmutableDictionary<string, EndpointRecord>.Empty;

    /// <summary>Sandboxes by name.</summary>
    public ImmutableDictionary<string, SandboxRecord> Sandboxes { get; init; } = ImmutableDictionary<string, SandboxRecord>.Empty;

    public NetworkRecord? NetworkById(string id) => Networks.Values.FirstOrDefault(n => n.Id == id);

    public IEnumerable<EndpointRecord> EndpointsOf(string networkId) => Endpoints.Values.Where(e => e.NetworkId == networkId);

    public IEnumerable<EndpointRecord> EndpointsOfSandbox(string sandboxId) => Endpoints.Values.Where(e => e.SandboxId == sandboxId);

    public SandboxRecord? SandboxById(string id) => Sandboxes.Values.FirstOrDefault(s => s.Id == id);

    public bool IsAlive(string hostId) => LiveHosts.ContainsKey(hostId);

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

    /// <summary>The snapshot after one watch event.</summary>
    public ClusterSnapshot Apply(WatchEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var next = e.Kind switch
        {
            WatchEventKind.Put => With(e.Key, e.Value),
            WatchEventKind.Delete => Without(e.Key),
            _ => this,
        };
        return e.IsChange ? next with { Revision = e.Revision } : next;
    }

    private ClusterSnapshot With(string key, byte[] value)
    {
        var id = ClusterKeys.LastSegment(key);
        if (key.StartsWith(ClusterKeys.Hosts, StringComparison.Ordinal))
        {
            return RecordCodec.Host(value) is { } h ? this with { LiveHosts = LiveHosts.SetItem(id, h) } : Without(key);
        }
        if (key.StartsWith(ClusterKeys.HostInfo, StringComparison.Ordinal))
        {
            return RecordCodec.HostInfo(value) is { } h ? this with { KnownHosts = KnownHosts.SetItem(id, h) } : Without(key);
        }
        if (key.StartsWith(ClusterKeys.Networks, StringComparison.Ordinal))
        {
            return RecordCodec.Network(value) is { } n ? this with { Networks = Networks.SetItem(id, n) } : Without(key);
        }
        if (key.StartsWith(ClusterKeys.Endpoints, StringComparison.Ordinal))
        {
            return RecordCodec.Endpoint(value) is { } ep ? this with { Endpoints = Endpoints.SetItem(id, ep) } : Without(key);
        }
        if (key.StartsWith(ClusterKeys.Sandboxes, StringComparison.Ordinal))
        {
            return RecordCodec.Sandbox(value) is { } sb ? this with { Sandboxes = Sandboxes.SetItem(id, sb) } : Without(key);
        }
        return this;
    }

    private ClusterSnapshot Without(string key)
    {
        var id = ClusterKeys.LastSegment(key);
        if (key.StartsWith(ClusterKeys.Hosts, StringComparison.Ordinal))
        {
            return this with { LiveHosts = LiveHosts.Remove(id) };
        }
        if (key.StartsWith(ClusterKeys.HostInfo, StringComparison.Ordinal))
        {
            return this with { KnownHosts = KnownHosts.Remove(id) };
        }
        if (key.StartsWith(ClusterKeys.Networks, StringComparison.Ordinal))
        {
            return this with { Networks = Networks.Remove(id) };
        }
        if (key.StartsWith(ClusterKeys.Endpoints, StringComparison.Ordinal))
        {
            return this with { Endpoints = Endpoints.Remove(id) };
        }
        if (key.StartsWith(ClusterKeys.Sandboxes, StringComparison.Ordinal))
        {
            return this with { Sandboxes = Sandboxes.Remove(id) };
        }
        return this;
    }
}
