using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Ipam;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>A sandbox's request to join a network.</summary>
public sealed record EndpointSpec
{
    public required string NetworkName { get; init; }
    public required string SandboxId { get; init; }
    public required string HostId { get; init; }
    public required string InterfaceName { get; init; }
    public string? ContainerName { get; init; }
    public string? Hostname { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>A static address (Docker's --ip); null takes the next free one.</summary>
    public IPAddress? Address { get; init; }
}

/// <summary>
/// Creates and removes endpoints with their addresses. An address is taken by creating its IPAM key
/// only if absent, in the same transaction that writes the endpoint: there is never an endpoint without
/// its address, nor an address handed out twice, whatever the concurrency.
/// </summary>
public sealed class EndpointCatalog(IClusterStore store, TimeProvider? clock = null)
{
    private const int MaxAttempts = 16;
    /// <summary>Candidates tried per attempt before the network is read again.</summary>
    private const int CandidatesPerAttempt = 64;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<EndpointRecord> CreateAsync(EndpointSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var alias in spec.Aliases)
        {
            NameRules.ValidateAlias(alias);
        }
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var networkKv = await store.GetAsync(ClusterKeys.Network(spec.NetworkName), cancellationToken)
                ?? throw ClusterErrors.NetworkNotFound(spec.NetworkName);
            var network = RecordCodec.Network(networkKv.Value) ?? throw ClusterErrors.NetworkNotFound(spec.NetworkName);
            var id = WeftIds.New();
            var endpoint = new EndpointRecord
            {
                Id = id,
                NetworkId = network.Id,
                NetworkName = network.Name,
                SandboxId = spec.SandboxId,
                ContainerName = spec.ContainerName,
                Hostname = spec.Hostname,
                Aliases = spec.Aliases,
                HostId = spec.HostId,
                Mac = MacAddress.ForEndpoint(id),
                InterfaceName = spec.InterfaceName,
                CreatedAt = _clock.GetUtcNow(),
            };
            var networkUnchanged = Compare.ModRevisionIs(ClusterKeys.Network(network.Name), networkKv.ModRevision);
            RequireUsable(spec, network);

            if (!network.Driver.ManagesAddresses() || network.Subnets.Count == 0)
            {
                var plain = Txn.If(networkUnchanged).Then(
                    TxnOp.Put(ClusterKeys.Endpoint(network.Id, id), RecordCodec.Encode(endpoint)),
                    TxnOp.Put(ClusterKeys.EndpointsMeta(network.Id), "1"u8.ToArray()));
                if ((await store.TxnAsync(plain, cancellationToken)).Succeeded)
                {
                    return endpoint;
                }
                continue;
            }

            var (pool, candidates) = await CandidatesAsync(network, spec.Address, cancellationToken);
            var tried = 0;
            foreach (var address in candidates.Take(CandidatesPerAttempt))
            {
                tried++;
                var withAddress = endpoint with { Address = address };
                var ipKey = ClusterKeys.Address(network.Id, address);
                var txn = Txn.If(networkUnchanged, Compare.Absent(ipKey)).Then(
                    TxnOp.Put(ipKey, RecordCodec.Encode(AllocationRecord.ForEndpoint(withAddress, withAddress.CreatedAt))),
                    TxnOp.Delete(ClusterKeys.ReleasedAddress(network.Id, address)),
                    TxnOp.Put(ClusterKeys.Endpoint(network.Id, id), RecordCodec.Encode(withAddress)),
                    TxnOp.Put(ClusterKeys.EndpointsMeta(network.Id), "1"u8.ToArray()));
                if ((await store.TxnAsync(txn, cancellationToken)).Succeeded)
                {
                    return withAddress;
                }
                var now = await store.GetAsync(ClusterKeys.Network(network.Name), cancellationToken);
                if (now?.ModRevision != networkKv.ModRevision)
                {
                    break; // the network changed or went away: start over from a fresh read
                }
                if (spec.Address is not null)
                {
                    throw new WeftValidationException(ErrorCodes.IpTaken, $"{address} is already in use on network '{network.Name}'");
                }
                // Another agent took this address a moment ago: try the next one.
            }
            if (tried == 0)
            {
                throw new WeftValidationException(ErrorCodes.PoolExhausted, $"network '{network.Name}' has no free address left in {pool}");
            }
        }
        throw new WeftValidationException(ClusterErrors.Contention, $"no address could be taken on network '{spec.NetworkName}': it kept changing during {MaxAttempts} attempts");
    }

    /// <summary>
    /// A static address or an alias on a network without addresses (host, null) is refused rather than ignored:
    /// aliases are names on the network's DNS, and such a network has neither addresses nor a DNS of Weft's.
    /// </summary>
    private static void RequireUsable(EndpointSpec spec, NetworkRecord network)
    {
        if (network.Driver.ManagesAddresses())
        {
            return;
        }
        if (spec.Address is not null)
        {
            throw new WeftValidationException(ErrorCodes.InvalidAddress,
                $"network '{network.Name}' uses the {network.Driver.ToName()} driver, which gives no addresses, so {spec.Address} cannot be asked for");
        }
        if (spec.Aliases.Count > 0)
        {
            throw new WeftValidationException(ErrorCodes.InvalidAlias,
                $"network '{network.Name}' uses the {network.Driver.ToName()} driver, which has no names of Weft's, so alias '{spec.Aliases[0]}' cannot be given");
        }
    }

    private async Task<(AddressPool Pool, IEnumerable<IPAddress> Candidates)> CandidatesAsync(NetworkRecord network, IPAddress? requested, CancellationToken cancellationToken)
    {
        var subnet = requested is null
            ? network.Subnets.FirstOrDefault(s => !s.Subnet.IsIPv6) ?? network.Subnets[0]
            : NetworkCatalog.SubnetOf(network, requested)
                ?? throw new WeftValidationException(ErrorCodes.IpOutOfRange,
                    $"{requested} is outside the subnets of network '{network.Name}' ({string.Join(", ", network.Subnets.Select(s => s.Subnet))})");
        var pool = AddressPool.From(subnet);
        var taken = (await store.ListAsync(ClusterKeys.IpamPrefix(network.Id), cancellationToken)).Items
            .Select(kv => IPAddress.TryParse(ClusterKeys.LastSegment(kv.Key), out var ip) ? ip : null)
            .OfType<IPAddress>()
            .ToHashSet();
        if (requested is not null)
        {
            IpAllocator.ValidateStatic(pool, requested, taken);
            return (pool, [requested]);
        }
        var released = (await store.ListAsync(ClusterKeys.ReleasedPrefix(network.Id), cancellationToken)).Items
            .Select(kv => (Ip: IPAddress.TryParse(ClusterKeys.LastSegment(kv.Key), out var ip) ? ip : null, At: RecordCodec.Released(kv.Value)?.ReleasedAt))
            .Where(r => r.Ip is not null)
            .OrderBy(r => r.At ?? DateTimeOffset.MinValue)
            .Select(r => r.Ip!)
            .ToList();
        return (pool, IpAllocator.Candidates(pool, taken, released));
    }

    /// <summary>
    /// Removes an endpoint and gives its address back (remembered as released, so it is reused last).
    /// Removing one that is already gone is not an error: removal is retried after crashes.
    /// </summary>
    public async Task RemoveAsync(EndpointRecord endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await RemoveAsync(endpoint, [], cancellationToken);
    }

    /// <summary>As the public overload, and only while every one of <paramref name="guards"/> holds (the reaper's "the host is still away").</summary>
    /// <returns>False when a guard failed and nothing was removed.</returns>
    internal async Task<bool> RemoveAsync(EndpointRecord endpoint, IReadOnlyList<Compare> guards, CancellationToken cancellationToken)
    {
        var key = ClusterKeys.Endpoint(endpoint.NetworkId, endpoint.Id);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            // Act only while the endpoint still exists. Once it is gone (removed before, or with its network) there is
            // nothing to give back, and writing the markers again would leave keys of a network that no longer exists.
            var current = await store.GetAsync(key, cancellationToken);
            if (current is null)
            {
                return true;
            }
            var compares = new List<Compare>(guards) { Compare.ModRevisionIs(key, current.ModRevision) };
            var ops = new List<TxnOp>
            {
                TxnOp.Delete(key),
                TxnOp.Put(ClusterKeys.EndpointsMeta(endpoint.NetworkId), "1"u8.ToArray()),
            };
            if ((RecordCodec.Endpoint(current.Value)?.Address ?? endpoint.Address) is { } address)
            {
                var ipKey = ClusterKeys.Address(endpoint.NetworkId, address);
                var allocation = await store.GetAsync(ipKey, cancellationToken);
                // Free the address only if this endpoint still holds it.
                if (allocation is not null && RecordCodec.Allocation(allocation.Value)?.OwnerId == endpoint.Id)
                {
                    compares.Add(Compare.ModRevisionIs(ipKey, allocation.ModRevision));
                    ops.Add(TxnOp.Delete(ipKey));
                    ops.Add(TxnOp.Put(ClusterKeys.ReleasedAddress(endpoint.NetworkId, address), RecordCodec.Encode(new ReleasedRecord(_clock.GetUtcNow()))));
                }
            }
            if ((await store.TxnAsync(new Txn([.. compares], [.. ops], []), cancellationToken)).Succeeded)
            {
                return true;
            }
            if (guards.Count > 0)
            {
                return false;
            }
            // The endpoint or its allocation changed in between: look again.
        }
        throw new WeftValidationException(ClusterErrors.Contention, $"endpoint {WeftIds.Short(endpoint.Id)} was not removed: it kept changing during {MaxAttempts} attempts");
    }
}
