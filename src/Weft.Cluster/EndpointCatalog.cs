using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Ipam;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>A request to join a network: which endpoint, for which sandbox, on which host, with which names.</summary>
public sealed record EndpointSpec
{
    /// <summary>Chosen by the caller before anything is written, so it can be recorded (an intent) ahead of the store.</summary>
    public string Id { get; init; } = WeftIds.New();
    public required string NetworkName { get; init; }
    public required string SandboxId { get; init; }
    public required string HostId { get; init; }
    public required string InterfaceName { get; init; }
    public string? ContainerName { get; init; }
    public string? Hostname { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>A static address (Docker's --ip); null takes the next free one.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>
    /// <see cref="Address"/> is already held for this endpoint by a pending allocation of <see cref="HostId"/> (Docker's
    /// IPAM asks for the address before the endpoint exists); the endpoint takes it over instead of claiming it afresh.
    /// </summary>
    public bool TakesPendingAddress { get; init; }

    /// <summary>A MAC the engine chose (Docker's --mac-address); null derives one from <see cref="Id"/>.</summary>
    public MacAddress? Mac { get; init; }
}

/// <summary>
/// More conditions and writes for the transaction that reserves or removes endpoints, such as the claim on a sandbox's
/// name: the sandbox and its endpoints then appear, or go, together. <see cref="Explain"/> tells a failed condition of
/// the addition (the name is taken) from a lost race for an address, which is retried.
/// </summary>
public sealed record TxnAddition(IReadOnlyList<Compare> Compares, IReadOnlyList<TxnOp> Ops, Func<CancellationToken, Task<Exception?>>? Explain = null)
{
    public static readonly TxnAddition None = new([], []);

    /// <summary>Conditions only, such as the reaper's "the host is still away"; a failed one ends the operation.</summary>
    public static TxnAddition Guards(IClusterStore store, IReadOnlyList<Compare> compares, IReadOnlyList<TxnOp>? ops = null) =>
        new(compares, ops ?? [], async ct => await HoldsAsync(store, compares, ct) ? null : new InvalidOperationException("a condition of the transaction no longer holds"));

    /// <summary>Whether every compare holds now: a transaction with no writes, which moves no revision.</summary>
    public static async Task<bool> HoldsAsync(IClusterStore store, IReadOnlyList<Compare> compares, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return compares.Count == 0 || (await store.TxnAsync(new Txn([.. compares], [], []), cancellationToken)).Succeeded;
    }
}

/// <summary>Endpoints written in one transaction, and that transaction's revision (for reads that must see them).</summary>
public sealed record Reservation(IReadOnlyList<EndpointRecord> Endpoints, long Revision);

/// <summary>
/// Creates and removes endpoints with their addresses. An address is taken by creating its IPAM key only if absent,
/// in the same transaction that writes the endpoint: there is never an endpoint without its address, nor an address
/// handed out twice, whatever the concurrency. Several endpoints (a sandbox on several networks) go in one transaction.
/// </summary>
public sealed class EndpointCatalog(IClusterStore store, TimeProvider? clock = null)
{
    private const int MaxAttempts = 16;
    /// <summary>Candidates tried per attempt before the networks are read again.</summary>
    private const int CandidatesPerAttempt = 64;
    private static readonly byte[] Marker = "1"u8.ToArray();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly NameClaims _names = new(store);

    public async Task<EndpointRecord> CreateAsync(EndpointSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (await ReserveAsync([spec], TxnAddition.None, cancellationToken)).Endpoints[0];
    }

    /// <summary>Writes every endpoint of <paramref name="specs"/>, with its address, and <paramref name="addition"/>, in one transaction.</summary>
    public async Task<Reservation> ReserveAsync(IReadOnlyList<EndpointSpec> specs, TxnAddition addition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(addition);
        specs = [.. specs.Select(s => s with { Aliases = DistinctAliases(s.Aliases, s.ContainerName) })];
        foreach (var spec in specs)
        {
            WeftIds.Validate(spec.Id, "endpoint");
            foreach (var alias in spec.Aliases)
            {
                NameRules.ValidateAlias(alias);
            }
        }
        // An alias may not be another sandbox's name: checked in the transaction itself, so a sandbox of that name written
        // first always makes this fail. On one network, names and aliases also share one claim per DNS name (NameClaims),
        // so a name and an equal alias written in the same instant never both succeed.
        addition = addition with { Compares = [.. addition.Compares, .. specs.SelectMany(s => s.Aliases).SelectMany(SandboxKeysOf).Distinct(StringComparer.Ordinal).Select(Compare.Absent)] };
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var networks = new Dictionary<string, (NetworkRecord Record, long ModRevision)>(StringComparer.Ordinal);
            foreach (var name in specs.Select(s => s.NetworkName).Distinct(StringComparer.Ordinal))
            {
                var kv = await store.GetAsync(ClusterKeys.Network(name), cancellationToken);
                var record = kv is null ? null : RecordCodec.Network(kv.Value);
                networks[name] = record is null ? throw WeftErrors.NetworkNotFound(name) : (record, kv!.ModRevision);
            }
            var now = _clock.GetUtcNow();
            var claims = new List<NameClaims.Claim>();
            foreach (var spec in specs)
            {
                claims.AddRange(await _names.ReadAsync(networks[spec.NetworkName].Record, spec.Id, spec.ContainerName, spec.Aliases, cancellationToken));
            }
            var planned = new List<PlannedEndpoint>();
            var chosen = new HashSet<(string, IPAddress)>();
            foreach (var spec in specs)
            {
                var network = networks[spec.NetworkName].Record;
                RequireUsable(spec, network);
                var record = new EndpointRecord
                {
                    Id = spec.Id,
                    NetworkId = network.Id,
                    NetworkName = network.Name,
                    SandboxId = spec.SandboxId,
                    ContainerName = spec.ContainerName,
                    Hostname = spec.Hostname,
                    Aliases = spec.Aliases,
                    HostId = spec.HostId,
                    Mac = spec.Mac ?? MacAddress.ForEndpoint(spec.Id),
                    InterfaceName = spec.InterfaceName,
                    CreatedAt = now,
                };
                if (spec.TakesPendingAddress)
                {
                    var held = await PendingRevisionAsync(network, spec, cancellationToken);
                    planned.Add(new PlannedEndpoint(spec, record, new[] { spec.Address! }.AsEnumerable().GetEnumerator(), PoolOf(network, spec.Address)) { PendingRevision = held });
                    continue;
                }
                var candidates = network.Driver.ManagesAddresses() && network.Subnets.Count > 0
                    ? await CandidatesAsync(network, spec.Address, cancellationToken)
                    : null;
                planned.Add(new PlannedEndpoint(spec, record, candidates?.GetEnumerator(), candidates is null ? null : PoolOf(network, spec.Address)));
            }
            try
            {
                for (var tried = 0; tried < CandidatesPerAttempt; tried++)
                {
                    chosen.Clear();
                    foreach (var p in planned)
                    {
                        p.Choose(chosen);
                    }
                    var txn = ReservationTxn(planned, networks, addition with { Compares = [.. addition.Compares, .. claims.Select(c => c.Unchanged)], Ops = [.. addition.Ops, .. claims.Select(c => c.Write)] });
                    var result = await store.TxnAsync(txn, cancellationToken);
                    if (result.Succeeded)
                    {
                        return new Reservation([.. planned.Select(p => p.Record with { Address = p.Address })], result.Revision);
                    }
                    if (addition.Explain is not null && await addition.Explain(cancellationToken) is { } refused)
                    {
                        throw refused;
                    }
                    await RefuseAliasesOfSandboxesAsync(specs, cancellationToken);
                    if (!await NetworksUnchangedAsync(networks, cancellationToken) || await PendingChangedAsync(planned, cancellationToken) || await _names.ChangedAsync(claims, cancellationToken))
                    {
                        break; // a network or a pending allocation changed: start over from a fresh read (which says if it is gone)
                    }
                    foreach (var p in planned.Where(p => p.Address is not null && p.PendingRevision is null))
                    {
                        if (await store.GetAsync(ClusterKeys.Address(p.Record.NetworkId, p.Address!), cancellationToken) is null)
                        {
                            continue;
                        }
                        if (p.Spec.Address is not null)
                        {
                            throw new WeftValidationException(ErrorCodes.IpTaken, $"{p.Address} is already in use on network '{p.Record.NetworkName}'");
                        }
                        p.Advance(); // another agent took this address a moment ago: try the next one
                    }
                }
            }
            finally
            {
                foreach (var p in planned)
                {
                    p.Dispose();
                }
            }
        }
        throw new WeftValidationException(ErrorCodes.Contention,
            $"no address could be taken on network(s) {string.Join(", ", specs.Select(s => $"'{s.NetworkName}'").Distinct())}: they kept changing during {MaxAttempts} attempts");
    }

    /// <summary>
    /// An endpoint's aliases, each once: DNS is case-insensitive, so "Web" and "web" are one name, and the endpoint's own
    /// name is not an alias of it. Engines (Docker, Podman) may hand the same alias twice; the API refuses that earlier.
    /// </summary>
    internal static IReadOnlyList<string> DistinctAliases(IReadOnlyList<string> aliases, string? containerName) =>
        [.. aliases.Where(a => !string.Equals(a, containerName, StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The sandbox keys an alias would shadow: its own spelling, and lower case, which is how DNS answers it.</summary>
    private static IEnumerable<string> SandboxKeysOf(string alias) =>
        new[] { alias, alias.ToLowerInvariant() }.Distinct(StringComparer.Ordinal).Select(ClusterKeys.Sandbox);

    private async Task RefuseAliasesOfSandboxesAsync(IReadOnlyList<EndpointSpec> specs, CancellationToken cancellationToken)
    {
        foreach (var spec in specs)
        {
            foreach (var alias in spec.Aliases)
            {
                foreach (var key in SandboxKeysOf(alias))
                {
                    if (await store.GetAsync(key, cancellationToken) is not null)
                    {
                        throw new WeftValidationException(ErrorCodes.Duplicate,
                            $"alias '{alias}' on network '{spec.NetworkName}' is the name of sandbox '{ClusterKeys.LastSegment(key)}', which it would shadow in DNS; choose another alias");
                    }
                }
            }
        }
    }

    private static Txn ReservationTxn(List<PlannedEndpoint> planned, Dictionary<string, (NetworkRecord Record, long ModRevision)> networks, TxnAddition addition)
    {
        var compares = new List<Compare>(addition.Compares);
        compares.AddRange(networks.Keys.Select(name => Compare.ModRevisionIs(ClusterKeys.Network(name), networks[name].ModRevision)));
        var ops = new List<TxnOp>(addition.Ops);
        foreach (var p in planned)
        {
            var record = p.Record with { Address = p.Address };
            if (p.Address is { } address)
            {
                var ipKey = ClusterKeys.Address(record.NetworkId, address);
                compares.Add(p.PendingRevision is { } held ? Compare.ModRevisionIs(ipKey, held) : Compare.Absent(ipKey));
                ops.Add(TxnOp.Put(ipKey, RecordCodec.Encode(AllocationRecord.ForEndpoint(record, record.CreatedAt))));
                ops.Add(TxnOp.Delete(ClusterKeys.ReleasedAddress(record.NetworkId, address)));
            }
            ops.Add(TxnOp.Put(ClusterKeys.Endpoint(record.NetworkId, record.Id), RecordCodec.Encode(record)));
        }
        // One marker bump per network (a key may appear once per transaction).
        ops.AddRange(planned.Select(p => p.Record.NetworkId).Distinct(StringComparer.Ordinal).Select(id => TxnOp.Put(ClusterKeys.EndpointsMeta(id), Marker)));
        return new Txn([.. compares], [.. ops], []);
    }

    private async Task<bool> NetworksUnchangedAsync(Dictionary<string, (NetworkRecord Record, long ModRevision)> networks, CancellationToken cancellationToken)
    {
        foreach (var (name, (_, modRevision)) in networks)
        {
            if ((await store.GetAsync(ClusterKeys.Network(name), cancellationToken))?.ModRevision != modRevision)
            {
                return false;
            }
        }
        return true;
    }

    private async Task<bool> PendingChangedAsync(List<PlannedEndpoint> planned, CancellationToken cancellationToken)
    {
        foreach (var p in planned.Where(p => p.PendingRevision is not null))
        {
            if ((await store.GetAsync(ClusterKeys.Address(p.Record.NetworkId, p.Address!), cancellationToken))?.ModRevision != p.PendingRevision)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One endpoint of a reservation and the address it tries, from its own run of candidates.</summary>
    private sealed class PlannedEndpoint(EndpointSpec spec, EndpointRecord record, IEnumerator<IPAddress>? candidates, AddressPool? pool) : IDisposable
    {
        private bool _needNext = true;

        public EndpointSpec Spec { get; } = spec;

        public EndpointRecord Record { get; } = record;

        public IPAddress? Address { get; private set; }

        /// <summary>The revision of the pending allocation this endpoint takes over, when it takes one over.</summary>
        public long? PendingRevision { get; init; }

        /// <summary>Keeps the current candidate unless told to move on; skips what an earlier endpoint of the same reservation chose.</summary>
        public void Choose(HashSet<(string, IPAddress)> chosen)
        {
            if (candidates is null)
            {
                return;
            }
            while (_needNext || Address is null || chosen.Contains((Record.NetworkId, Address)))
            {
                if (!candidates.MoveNext())
                {
                    throw new WeftValidationException(ErrorCodes.PoolExhausted, $"network '{Record.NetworkName}' has no free address left in {pool}");
                }
                Address = candidates.Current;
                _needNext = false;
            }
            chosen.Add((Record.NetworkId, Address));
        }

        public void Advance() => _needNext = true;

        public void Dispose() => candidates?.Dispose();
    }

    /// <summary>
    /// Takes an address for an endpoint that does not exist yet, as Docker's IPAM asks for one before it creates the
    /// endpoint: the next free one, or <paramref name="requested"/>. The allocation is pending, owned by
    /// <paramref name="requestId"/> on <paramref name="hostId"/>, until an endpoint takes it over
    /// (<see cref="EndpointSpec.TakesPendingAddress"/>) or <see cref="ReleasePendingAsync"/> gives it back.
    /// </summary>
    public async Task<IPAddress> ReservePendingAsync(string networkName, IPAddress? requested, string requestId, string hostId, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(ClusterKeys.Network(networkName), cancellationToken);
            var network = (kv is null ? null : RecordCodec.Network(kv.Value)) ?? throw WeftErrors.NetworkNotFound(networkName);
            RequireUsable(new EndpointSpec { NetworkName = networkName, SandboxId = requestId, HostId = hostId, InterfaceName = "", Address = requested }, network);
            var pool = PoolOf(network, requested);
            foreach (var address in (await CandidatesAsync(network, requested, cancellationToken)).Take(CandidatesPerAttempt))
            {
                var ipKey = ClusterKeys.Address(network.Id, address);
                var txn = Txn.If(Compare.ModRevisionIs(ClusterKeys.Network(networkName), kv!.ModRevision), Compare.Absent(ipKey)).Then(
                    TxnOp.Put(ipKey, RecordCodec.Encode(AllocationRecord.Pending(requestId, hostId, _clock.GetUtcNow()))),
                    TxnOp.Delete(ClusterKeys.ReleasedAddress(network.Id, address)));
                if ((await store.TxnAsync(txn, cancellationToken)).Succeeded)
                {
                    return address;
                }
                if ((await store.GetAsync(ClusterKeys.Network(networkName), cancellationToken))?.ModRevision != kv.ModRevision)
                {
                    break;
                }
                if (requested is not null)
                {
                    throw new WeftValidationException(ErrorCodes.IpTaken, $"{address} is already in use on network '{networkName}'");
                }
            }
            if (requested is null && !(await CandidatesAsync(network, null, cancellationToken)).Any())
            {
                throw new WeftValidationException(ErrorCodes.PoolExhausted, $"network '{networkName}' has no free address left in {pool}");
            }
        }
        throw new WeftValidationException(ErrorCodes.Contention, $"no address could be taken on network '{networkName}': it kept changing during {MaxAttempts} attempts");
    }

    /// <summary>The pending allocations of <paramref name="hostId"/>, with when each was made: for collecting those no endpoint took.</summary>
    public async Task<IReadOnlyList<(string NetworkId, IPAddress Address, DateTimeOffset CreatedAt)>> ListPendingAsync(string hostId, CancellationToken cancellationToken = default) =>
        [.. (await store.ListAsync(ClusterKeys.Ipam, cancellationToken)).Items
            .Select(kv => (Key: kv.Key, Allocation: RecordCodec.Allocation(kv.Value)))
            .Where(x => x.Allocation is { OwnerKind: AllocationOwnerKind.Pending } a && a.HostId == hostId
                && IPAddress.TryParse(ClusterKeys.LastSegment(x.Key), out _))
            .Select(x => (NetworkIdOf(x.Key), IPAddress.Parse(ClusterKeys.LastSegment(x.Key)), x.Allocation!.CreatedAt))];

    private static string NetworkIdOf(string ipamKey)
    {
        var rest = ipamKey[ClusterKeys.Ipam.Length..];
        return rest[..rest.IndexOf('/', StringComparison.Ordinal)];
    }

    /// <summary>Gives back a pending allocation of <paramref name="hostId"/>; an address an endpoint holds, or that is free, is left alone.</summary>
    public async Task<bool> ReleasePendingAsync(string networkId, IPAddress address, string hostId, CancellationToken cancellationToken = default)
    {
        var ipKey = ClusterKeys.Address(networkId, address);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(ipKey, cancellationToken);
            if (kv is null || RecordCodec.Allocation(kv.Value) is not { OwnerKind: AllocationOwnerKind.Pending } pending || pending.HostId != hostId)
            {
                return false;
            }
            var txn = Txn.If(Compare.ModRevisionIs(ipKey, kv.ModRevision)).Then(
                TxnOp.Delete(ipKey),
                TxnOp.Put(ClusterKeys.ReleasedAddress(networkId, address), RecordCodec.Encode(new ReleasedRecord(_clock.GetUtcNow()))));
            if ((await store.TxnAsync(txn, cancellationToken)).Succeeded)
            {
                return true;
            }
        }
        throw new WeftValidationException(ErrorCodes.Contention, $"the pending address {address} was not released: it kept changing during {MaxAttempts} attempts");
    }

    /// <summary>
    /// Rewrites an endpoint's record (its names once they are learnt, the sandbox it joined), only while it exists: a late
    /// update never brings a removed endpoint back. Its network, host, address and MAC cannot change. Returns the revision.
    /// </summary>
    public async Task<long> UpdateAsync(EndpointRecord endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint = endpoint with { Aliases = DistinctAliases(endpoint.Aliases, endpoint.ContainerName) };
        foreach (var alias in endpoint.Aliases)
        {
            NameRules.ValidateAlias(alias);
        }
        var key = ClusterKeys.Endpoint(endpoint.NetworkId, endpoint.Id);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(key, cancellationToken);
            if (kv is null || RecordCodec.Endpoint(kv.Value) is not { } current)
            {
                throw new WeftValidationException(ErrorCodes.NotFound, $"endpoint {WeftIds.Short(endpoint.Id)} on network '{endpoint.NetworkName}' not found");
            }
            var kept = endpoint with { HostId = current.HostId, Address = current.Address, Mac = current.Mac, NetworkName = current.NetworkName };
            var txn = Txn.If(Compare.ModRevisionIs(key, kv.ModRevision)).Then(TxnOp.Put(key, RecordCodec.Encode(kept)), TxnOp.Put(ClusterKeys.EndpointsMeta(endpoint.NetworkId), Marker));
            var result = await store.TxnAsync(txn, cancellationToken);
            if (result.Succeeded)
            {
                return result.Revision;
            }
        }
        throw new WeftValidationException(ErrorCodes.Contention, $"endpoint {WeftIds.Short(endpoint.Id)} was not updated: it kept changing during {MaxAttempts} attempts");
    }

    /// <summary>The revision of the pending allocation of <paramref name="spec"/>'s address, which must be its host's.</summary>
    private async Task<long> PendingRevisionAsync(NetworkRecord network, EndpointSpec spec, CancellationToken cancellationToken)
    {
        var address = spec.Address ?? throw new ArgumentException("an endpoint that takes a pending address names it", nameof(spec));
        var kv = await store.GetAsync(ClusterKeys.Address(network.Id, address), cancellationToken);
        return kv is not null && RecordCodec.Allocation(kv.Value) is { OwnerKind: AllocationOwnerKind.Pending } pending && pending.HostId == spec.HostId
            ? kv.ModRevision
            : throw new WeftValidationException(ErrorCodes.InvalidAddress, $"{address} on network '{network.Name}' was not asked for by this host (no pending allocation holds it)");
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

    private static SubnetConfig SubnetFor(NetworkRecord network, IPAddress? requested) =>
        requested is null
            ? network.Subnets.FirstOrDefault(s => !s.Subnet.IsIPv6) ?? network.Subnets[0]
            : NetworkCatalog.SubnetOf(network, requested)
                ?? throw new WeftValidationException(ErrorCodes.IpOutOfRange,
                    $"{requested} is outside the subnets of network '{network.Name}' ({string.Join(", ", network.Subnets.Select(s => s.Subnet))})");

    private static AddressPool PoolOf(NetworkRecord network, IPAddress? requested) => AddressPool.From(SubnetFor(network, requested));

    private async Task<IEnumerable<IPAddress>> CandidatesAsync(NetworkRecord network, IPAddress? requested, CancellationToken cancellationToken)
    {
        var pool = PoolOf(network, requested);
        var taken = (await store.ListAsync(ClusterKeys.IpamPrefix(network.Id), cancellationToken)).Items
            .Select(kv => IPAddress.TryParse(ClusterKeys.LastSegment(kv.Key), out var ip) ? ip : null)
            .OfType<IPAddress>()
            .ToHashSet();
        if (requested is not null)
        {
            IpAllocator.ValidateStatic(pool, requested, taken);
            return [requested];
        }
        var released = (await store.ListAsync(ClusterKeys.ReleasedPrefix(network.Id), cancellationToken)).Items
            .Select(kv => (Ip: IPAddress.TryParse(ClusterKeys.LastSegment(kv.Key), out var ip) ? ip : null, At: RecordCodec.Released(kv.Value)?.ReleasedAt))
            .Where(r => r.Ip is not null)
            .OrderBy(r => r.At ?? DateTimeOffset.MinValue)
            .Select(r => r.Ip!)
            .ToList();
        return IpAllocator.Candidates(pool, taken, released);
    }

    /// <summary>
    /// Removes an endpoint and gives its address back (remembered as released, so it is reused last).
    /// Removing one that is already gone is not an error: removal is retried after crashes.
    /// </summary>
    public async Task RemoveAsync(EndpointRecord endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await RemoveAsync([new EndpointKey(endpoint.NetworkId, endpoint.Id)], TxnAddition.None, cancellationToken);
    }

    /// <summary>
    /// Removes the endpoints that still exist of <paramref name="endpoints"/>, their addresses and <paramref name="addition"/>
    /// in one transaction. Returns its revision, or null when a condition of the addition failed and nothing was removed.
    /// </summary>
    public async Task<long?> RemoveAsync(IReadOnlyList<EndpointKey> endpoints, TxnAddition addition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(addition);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var compares = new List<Compare>(addition.Compares);
            var ops = new List<TxnOp>(addition.Ops);
            var networks = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (networkId, id) in endpoints)
            {
                // Act only on endpoints that still exist. Once one is gone (removed before, or with its network) there is
                // nothing to give back, and writing the markers again would leave keys of a network that no longer exists.
                var key = ClusterKeys.Endpoint(networkId, id);
                var current = await store.GetAsync(key, cancellationToken);
                if (current is null)
                {
                    continue;
                }
                compares.Add(Compare.ModRevisionIs(key, current.ModRevision));
                ops.Add(TxnOp.Delete(key));
                networks.Add(networkId);
                if (RecordCodec.Endpoint(current.Value) is { } removed)
                {
                    var (claimCompares, claimOps) = await _names.ReleaseAsync(removed, cancellationToken);
                    compares.AddRange(claimCompares);
                    ops.AddRange(claimOps);
                }
                if (RecordCodec.Endpoint(current.Value)?.Address is { } address)
                {
                    var ipKey = ClusterKeys.Address(networkId, address);
                    var allocation = await store.GetAsync(ipKey, cancellationToken);
                    // Free the address only if this endpoint still holds it.
                    if (allocation is not null && RecordCodec.Allocation(allocation.Value)?.OwnerId == id)
                    {
                        compares.Add(Compare.ModRevisionIs(ipKey, allocation.ModRevision));
                        ops.Add(TxnOp.Delete(ipKey));
                        ops.Add(TxnOp.Put(ClusterKeys.ReleasedAddress(networkId, address), RecordCodec.Encode(new ReleasedRecord(_clock.GetUtcNow()))));
                    }
                }
            }
            ops.AddRange(networks.Select(id => TxnOp.Put(ClusterKeys.EndpointsMeta(id), Marker)));
            if (ops.Count == 0)
            {
                return 0; // nothing left to remove
            }
            var result = await store.TxnAsync(new Txn([.. compares], [.. ops], []), cancellationToken);
            if (result.Succeeded)
            {
                return result.Revision;
            }
            if (addition.Explain is not null && await addition.Explain(cancellationToken) is not null)
            {
                return null;
            }
            // An endpoint or its allocation changed in between: look again.
        }
        throw new WeftValidationException(ErrorCodes.Contention,
            $"endpoint(s) {string.Join(", ", endpoints.Select(e => WeftIds.Short(e.Id)))} were not removed: they kept changing during {MaxAttempts} attempts");
    }
}

/// <summary>Where an endpoint is stored: enough to remove it without its record.</summary>
public readonly record struct EndpointKey(string NetworkId, string Id)
{
    public static EndpointKey Of(EndpointRecord endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new(endpoint.NetworkId, endpoint.Id);
    }
}
