using System.Net;
using Weft.Core.Model;
using Weft.Dns;

namespace Weft.Agent.Dns;

/// <summary>
/// What one sandbox may resolve: its own --add-host entries, then the names of the networks it is on and no
/// others (networks are isolated). Unknown single-label names and names under a Weft network are answered
/// NXDOMAIN here; everything else belongs to the upstream resolvers.
/// </summary>
public sealed class SandboxScope : IDnsScope
{
    private readonly IReadOnlyList<NetworkNames> _networks;
    private readonly DnsIndex _index;
    private readonly Dictionary<string, IPAddress[]> _extraHosts = new(StringComparer.Ordinal);

    public SandboxScope(SandboxRecord sandbox, IReadOnlyList<NetworkNames> networks, DnsIndex index)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        _networks = networks;
        _index = index;
        foreach (var entry in sandbox.ExtraHosts)
        {
            var name = entry.Name.ToLowerInvariant();
            _extraHosts[name] = _extraHosts.TryGetValue(name, out var have) ? [.. have, entry.Address] : [entry.Address];
        }
    }

    public LookupResult Resolve(string name, out IReadOnlyList<IPAddress> addresses)
    {
        if (_extraHosts.TryGetValue(name, out var extra))
        {
            addresses = extra;
            return LookupResult.Found;
        }
        // Names on any of its networks before aliases on any: an alias never shadows a sandbox's name (decisions.md).
        foreach (var network in _networks)
        {
            if (network.TryResolveName(name, out var found))
            {
                addresses = found;
                return LookupResult.Found;
            }
        }
        foreach (var network in _networks)
        {
            if (network.TryResolveAlias(name, out var found))
            {
                addresses = found;
                return LookupResult.Found;
            }
        }
        addresses = [];
        return !name.Contains('.', StringComparison.Ordinal) || _index.IsUnderNetworkDomain(name) ? LookupResult.NotFound : LookupResult.NotMine;
    }

    public LookupResult Reverse(IPAddress address, out string? name)
    {
        foreach (var network in _networks)
        {
            if (network.TryReverse(address, out var found))
            {
                name = found;
                return LookupResult.Found;
            }
        }
        name = null;
        return _networks.Any(n => n.Covers(address)) ? LookupResult.NotFound : LookupResult.NotMine;
    }
}
