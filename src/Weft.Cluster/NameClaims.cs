using System.Text;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// One claim per DNS name per network (<see cref="ClusterKeys.DnsName"/>), shared by sandbox names and aliases, so a name
/// and an equal alias written in the same instant can never both succeed: each transaction that writes an endpoint
/// requires every claim it makes to be as it was read (absent, or at its mod revision), and writes it.
/// </summary>
/// <remarks>
/// A claim holds <c>name {endpointId}</c> (one holder) or <c>alias</c> (any number of endpoints may share an alias, as
/// Docker's round robin does). A claim outlives nothing it should not block: an alias claim stays after its endpoints go
/// (it goes with its network), and a name claim is removed with its endpoint; either is taken over when no endpoint of
/// the network holds the name any more. That check reads the endpoints after the claim, and every writer rewrites the
/// claim, so a writer the check missed has moved the claim's revision and the transaction fails and looks again.
/// Endpoints written before claims existed have none: they are checked by the view as before (docs/decisions.md).
/// </remarks>
public sealed class NameClaims(IClusterStore store)
{
    private const string AliasValue = "alias";
    private const string NamePrefix = "name ";

    /// <summary>A claim as read, and what the transaction writes to it.</summary>
    public sealed record Claim(string Key, long ModRevision, byte[] Value)
    {
        public Compare Unchanged => Compare.ModRevisionIs(Key, ModRevision);

        public TxnOp Write => TxnOp.Put(Key, Value);
    }

    /// <summary>
    /// The claims endpoint <paramref name="endpointId"/> makes on <paramref name="network"/>: its container name and its aliases.
    /// Throws duplicate when one is held by another live endpoint's name, or a name is a live endpoint's alias.
    /// </summary>
    public async Task<IReadOnlyList<Claim>> ReadAsync(NetworkRecord network, string endpointId, string? name, IReadOnlyList<string> aliases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(aliases);
        var claims = new List<Claim>();
        if (!network.Driver.ManagesAddresses())
        {
            return claims; // no DNS of Weft's on host and null networks
        }
        if (name is not null)
        {
            var (kv, holder) = await HolderAsync(network, name, cancellationToken);
            if (holder is { } other && other.Id != endpointId)
            {
                throw new WeftValidationException(ErrorCodes.Duplicate, $"sandbox name '{name}' is already in use (by container '{other.ContainerName}' on network '{network.Name}')");
            }
            if (kv is not null && IsAlias(kv) && await AliasHolderAsync(network, name, endpointId, cancellationToken) is { } aliased)
            {
                var owner = aliased.ContainerName is null ? "another endpoint" : $"'{aliased.ContainerName}'";
                throw new WeftValidationException(ErrorCodes.Duplicate, $"sandbox name '{name}' is an alias of {owner} on network '{network.Name}' already; choose another name or remove that alias");
            }
            claims.Add(new Claim(ClusterKeys.DnsName(network.Id, name), kv?.ModRevision ?? 0, Encoding.UTF8.GetBytes(NamePrefix + endpointId)));
        }
        foreach (var alias in aliases)
        {
            var (kv, holder) = await HolderAsync(network, alias, cancellationToken);
            if (holder is { } other && other.Id != endpointId)
            {
                throw new WeftValidationException(ErrorCodes.Duplicate, $"alias '{alias}' is the name of container '{other.ContainerName}' on network '{network.Name}', which it would shadow in DNS");
            }
            claims.Add(new Claim(ClusterKeys.DnsName(network.Id, alias), kv?.ModRevision ?? 0, Encoding.UTF8.GetBytes(AliasValue)));
        }
        return claims;
    }

    /// <summary>Whether any of <paramref name="claims"/> moved since it was read (another writer claimed or released it).</summary>
    public async Task<bool> ChangedAsync(IEnumerable<Claim> claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        foreach (var claim in claims)
        {
            if (((await store.GetAsync(claim.Key, cancellationToken))?.ModRevision ?? 0) != claim.ModRevision)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The removal of <paramref name="endpoint"/>'s name claim, for the transaction that removes it: only while it still
    /// holds it (an alias claim stays, for whoever else shares the alias). Empty when it holds none.
    /// </summary>
    public async Task<(IReadOnlyList<Compare> Compares, IReadOnlyList<TxnOp> Ops)> ReleaseAsync(EndpointRecord endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.ContainerName is not { } name)
        {
            return ([], []);
        }
        var key = ClusterKeys.DnsName(endpoint.NetworkId, name);
        var kv = await store.GetAsync(key, cancellationToken);
        return kv is not null && Encoding.UTF8.GetString(kv.Value) == NamePrefix + endpoint.Id
            ? ([Compare.ModRevisionIs(key, kv.ModRevision)], [TxnOp.Delete(key)])
            : ([], []);
    }

    private static bool IsAlias(KeyValue kv) => Encoding.UTF8.GetString(kv.Value) == AliasValue;

    /// <summary>The claim on a name and, when it is a name claim, its holder while that endpoint still bears the name.</summary>
    private async Task<(KeyValue? Claim, EndpointRecord? Holder)> HolderAsync(NetworkRecord network, string name, CancellationToken cancellationToken)
    {
        var kv = await store.GetAsync(ClusterKeys.DnsName(network.Id, name), cancellationToken);
        var text = kv is null ? null : Encoding.UTF8.GetString(kv.Value);
        if (text is null || !text.StartsWith(NamePrefix, StringComparison.Ordinal))
        {
            return (kv, null);
        }
        var holderId = text[NamePrefix.Length..];
        var endpoint = await store.GetAsync(ClusterKeys.Endpoint(network.Id, holderId), cancellationToken) is { } e ? RecordCodec.Endpoint(e.Value) : null;
        return (kv, endpoint is not null && string.Equals(endpoint.ContainerName, name, StringComparison.OrdinalIgnoreCase) ? endpoint : null);
    }

    /// <summary>An endpoint of the network (other than <paramref name="except"/>) that has <paramref name="alias"/> among its aliases.</summary>
    private async Task<EndpointRecord?> AliasHolderAsync(NetworkRecord network, string alias, string except, CancellationToken cancellationToken) =>
        (await store.ListAsync(ClusterKeys.EndpointsPrefix(network.Id), cancellationToken)).Items
            .Select(kv => RecordCodec.Endpoint(kv.Value))
            .FirstOrDefault(e => e is not null && e.Id != except && e.Aliases.Any(a => string.Equals(a, alias, StringComparison.OrdinalIgnoreCase)));
}
