using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using Weft.Cluster;
using Weft.Core.Addressing;
using Weft.Core.Model;

namespace Weft.Agent.Dns;

/// <summary>
/// The names of one cluster snapshot, arranged for lookups: per network, every endpoint's container name,
/// hostname and aliases (bare and as name.network), and who each client address on each network is. Built
/// once per snapshot and shared by every query until the next one, so a query never walks the snapshot.
/// </summary>
public sealed class DnsIndex
{
    private readonly FrozenDictionary<string, NetworkNames> _networks;
    private readonly FrozenDictionary<(string NetworkId, IPAddress Address), EndpointRecord> _clients;
    private readonly FrozenSet<string> _networkNames;
    private readonly ClusterSnapshot _snapshot;
    private readonly ConcurrentDictionary<(string, IPAddress), SandboxScope?> _scopes = new();

    private DnsIndex(ClusterSnapshot snapshot, FrozenDictionary<string, NetworkNames> networks,
        FrozenDictionary<(string, IPAddress), EndpointRecord> clients)
    {
        _snapshot = snapshot;
        _networks = networks;
        _clients = clients;
        _networkNames = snapshot.Networks.Keys.Select(n => n.ToLowerInvariant()).ToFrozenSet(StringComparer.Ordinal);
    }

    public ClusterSnapshot Snapshot => _snapshot;

    /// <summary>
    /// Builds the index. Endpoints of hosts not reachable (lease gone and not held) are left out, as the data plane leaves them out:
    /// a name resolves exactly while its address is reachable. Local-scope networks (bridge) only know this host.
    /// </summary>
    public static DnsIndex Build(ClusterSnapshot snapshot, string localHostId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var networks = new Dictionary<string, NetworkNames>(StringComparer.Ordinal);
        var clients = new Dictionary<(string, IPAddress), EndpointRecord>();
        foreach (var network in snapshot.Networks.Values)
        {
            var names = new NetworkNames(network);
            foreach (var e in snapshot.EndpointsOf(network.Id))
            {
                var visible = e.HostId == localHostId || (network.Scope == NetworkScope.Global && snapshot.IsReachable(e.HostId));
                if (e.Address is null || !visible)
                {
                    continue;
                }
                clients[(network.Id, e.Address)] = e;
                names.Add(e);
            }
            networks[network.Id] = names.Seal();
        }
        return new DnsIndex(snapshot, networks.ToFrozenDictionary(StringComparer.Ordinal), clients.ToFrozenDictionary());
    }

    /// <summary>What a client asking on <paramref name="networkId"/> may resolve; null when no endpoint there has its address.</summary>
    public SandboxScope? ScopeFor(string networkId, IPAddress client) =>
        _scopes.GetOrAdd((networkId, client), key => CreateScope(key.Item1, key.Item2));

    /// <summary>What a sandbox may resolve when it asks from an address of no Weft network (Docker's gwbridge): all its networks, in interface order.</summary>
    public SandboxScope? ScopeOfSandbox(string sandboxId) =>
        _snapshot.SandboxById(sandboxId) is { } sandbox
            ? new SandboxScope(sandbox, [.. _snapshot.EndpointsOfSandbox(sandboxId).OrderBy(e => State.InterfaceOrder.IndexOf(e.InterfaceName))
                .Select(e => _networks.GetValueOrDefault(e.NetworkId)).OfType<NetworkNames>()], this)
            : null;

    private SandboxScope? CreateScope(string networkId, IPAddress client)
    {
        if (!_clients.TryGetValue((networkId, client), out var endpoint) || _snapshot.SandboxById(endpoint.SandboxId) is not { } sandbox)
        {
            return null;
        }
        // The network the query arrived on first, then the sandbox's others in interface order.
        var order = _snapshot.EndpointsOfSandbox(sandbox.Id)
            .OrderBy(e => e.NetworkId == networkId ? -1 : State.InterfaceOrder.IndexOf(e.InterfaceName))
            .Select(e => _networks.GetValueOrDefault(e.NetworkId))
            .OfType<NetworkNames>()
            .ToArray();
        return new SandboxScope(sandbox, order, this);
    }

    /// <summary>True when <paramref name="name"/> ends in the name of any Weft network: such names are never sent upstream.</summary>
    public bool IsUnderNetworkDomain(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot >= 0 && _networkNames.Contains(name[(dot + 1)..]);
    }
}

/// <summary>
/// The names one network holds, in two tiers: containers' names and hostnames, then aliases. A name in the first tier is
/// never answered from the second, so an alias can never shadow a sandbox's name or its NAME.NETWORK, whatever the
/// order in which they were written (the API refuses such aliases when it can see the clash; two requests racing each
/// other end here, with the name winning).
/// </summary>
public sealed class NetworkNames(NetworkRecord network)
{
    private readonly Dictionary<string, List<IPAddress>> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IPAddress>> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, string> _reverse = [];
    private FrozenDictionary<string, IPAddress[]> _frozenNames = FrozenDictionary<string, IPAddress[]>.Empty;
    private FrozenDictionary<string, IPAddress[]> _frozenAliases = FrozenDictionary<string, IPAddress[]>.Empty;
    private FrozenDictionary<IPAddress, string> _frozenReverse = FrozenDictionary<IPAddress, string>.Empty;

    public NetworkRecord Network { get; } = network;

    public IReadOnlyList<IpNetwork> Subnets { get; } = [.. network.Subnets.Select(s => s.Subnet)];

    internal void Add(EndpointRecord e)
    {
        var suffix = "." + Network.Name.ToLowerInvariant();
        foreach (var name in new[] { e.ContainerName, e.Hostname }.OfType<string>())
        {
            AddName(_names, name.ToLowerInvariant(), suffix, e.Address!);
        }
        foreach (var alias in e.Aliases)
        {
            AddName(_aliases, alias.ToLowerInvariant(), suffix, e.Address!);
        }
        if (e.ContainerName is { } container)
        {
            _reverse[e.Address!] = container.ToLowerInvariant() + suffix;
        }
    }

    private static void AddName(Dictionary<string, List<IPAddress>> tier, string name, string suffix, IPAddress address)
    {
        foreach (var form in new[] { name, name + suffix })
        {
            if (!tier.TryGetValue(form, out var list))
            {
                tier[form] = list = [];
            }
            if (!list.Contains(address))
            {
                list.Add(address);
            }
        }
    }

    internal NetworkNames Seal()
    {
        // A stable order, so the server's rotation is the only thing that moves answers around.
        _frozenNames = Freeze(_names);
        _frozenAliases = Freeze(_aliases.Where(kv => !_names.ContainsKey(kv.Key)));
        _frozenReverse = _reverse.ToFrozenDictionary();
        return this;
    }

    private static FrozenDictionary<string, IPAddress[]> Freeze(IEnumerable<KeyValuePair<string, List<IPAddress>>> tier) =>
        tier.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);

    /// <summary>A container's name or hostname (bare or as NAME.NETWORK).</summary>
    public bool TryResolveName(string name, out IPAddress[] addresses) => _frozenNames.TryGetValue(name, out addresses!);

    /// <summary>An alias that is no container's name or hostname on this network.</summary>
    public bool TryResolveAlias(string name, out IPAddress[] addresses) => _frozenAliases.TryGetValue(name, out addresses!);

    public bool TryReverse(IPAddress address, out string name) => _frozenReverse.TryGetValue(address, out name!);

    public bool Covers(IPAddress address) => Subnets.Any(s => s.Contains(address));
}
