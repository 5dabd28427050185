using System.Net;
using Weft.Core.Errors;
using Weft.Core.Ipam;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Core.Overlay;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>What an operator asks for when creating a network; unset fields take the defaults.</summary>
public sealed record NetworkSpec
{
    public required string Name { get; init; }
    public NetworkDriver Driver { get; init; } = NetworkDriver.Overlay;
    /// <summary>Empty: one automatic subnet from <see cref="DefaultAddressPool.Defaults"/>.</summary>
    public IReadOnlyList<SubnetConfig> Subnets { get; init; } = [];
    public int? Vni { get; init; }
    public int? Mtu { get; init; }
    public bool Internal { get; init; }
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Creates and removes networks. Each change is one store transaction that also bumps
/// <see cref="ClusterKeys.NetworksMeta"/>, and is made only if that key is unchanged since the checks were
/// made: two agents creating overlapping subnets at once cannot both succeed, and the loser retries
/// against the winner's network.
/// </summary>
public sealed class NetworkCatalog(IClusterStore store, TimeProvider? clock = null)
{
    private const int MaxAttempts = 16;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<NetworkRecord> CreateAsync(NetworkSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        NameRules.ValidateNetworkName(spec.Name);
        spec = spec with { Mtu = NetworkOptions.ApplyMtu(spec.Name, spec.Options, spec.Mtu) };
        ValidateForDriver(spec);
        if (spec.Subnets.Count > 1)
        {
            // Endpoints, the data plane and DNS carry one address per network so far: a second subnet would be stored and
            // never used (dual stack gave sandboxes only their IPv4 address). Refused until it works end to end.
            throw new WeftValidationException(ErrorCodes.InvalidSubnet,
                $"network '{spec.Name}': one subnet per network is supported, {spec.Subnets.Count} were given ({string.Join(", ", spec.Subnets.Select(s => s.Subnet))}); dual stack (IPv4 and IPv6 on one network) is not supported yet");
        }
        foreach (var s in spec.Subnets)
        {
            SubnetRules.EnsureRoomForGateway(s.Subnet);
            SubnetRules.Validate(s);
        }
        if (spec.Vni is { } requested)
        {
            VniRules.Validate(requested);
        }
        if (spec.Mtu is { } mtu)
        {
            MtuRules.Validate(mtu, carriesIPv6: spec.Subnets.Any(s => s.Subnet.IsIPv6));
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var meta = await store.GetAsync(ClusterKeys.NetworksMeta, cancellationToken);
            var listing = await store.ListAsync(ClusterKeys.Networks, cancellationToken);
            var existing = listing.Items.Select(kv => RecordCodec.Network(kv.Value)).OfType<NetworkRecord>().ToList();
            if (existing.Any(n => n.Name == spec.Name))
            {
                throw new WeftValidationException(ErrorCodes.Duplicate, $"network '{spec.Name}' already exists");
            }

            var id = WeftIds.New();
            var hostRoutes = spec.Driver.ManagesAddresses() ? await HostRoutesAsync(cancellationToken) : [];
            var subnets = spec.Driver.ManagesAddresses() ? SubnetsFor(spec, existing, hostRoutes) : [];
            SubnetRules.EnsureNoOverlap(id, subnets, existing);
            SubnetRules.EnsureNoHostRouteOverlap(subnets, hostRoutes);
            var network = new NetworkRecord
            {
                Id = id,
                Name = spec.Name,
                Driver = spec.Driver,
                Scope = spec.Driver.ScopeOf(),
                Subnets = subnets,
                Mtu = spec.Mtu,
                Internal = spec.Internal,
                Options = spec.Options,
                Labels = spec.Labels,
                CreatedAt = _clock.GetUtcNow(),
            };

            var compares = new List<Compare>
            {
                Compare.ModRevisionIs(ClusterKeys.NetworksMeta, meta?.ModRevision ?? 0),
                Compare.Absent(ClusterKeys.Network(spec.Name)),
            };
            var puts = new List<TxnOp>();
            if (spec.Driver == NetworkDriver.Overlay)
            {
                var vni = await ChooseVni(spec.Vni, cancellationToken);
                network = network with { Vni = vni };
                compares.Add(Compare.Absent(ClusterKeys.Vni(vni)));
                puts.Add(TxnOp.Put(ClusterKeys.Vni(vni), RecordCodec.Encode(AllocationRecord.ForNetwork(id, network.CreatedAt))));
            }
            foreach (var s in subnets.Where(s => s.Gateway is not null))
            {
                puts.Add(TxnOp.Put(ClusterKeys.Address(id, s.Gateway!), RecordCodec.Encode(AllocationRecord.ForGateway(id, network.CreatedAt))));
            }
            puts.Add(TxnOp.Put(ClusterKeys.Network(spec.Name), RecordCodec.Encode(network)));
            puts.Add(TxnOp.Put(ClusterKeys.NetworksMeta, "1"u8.ToArray()));

            TxnResult result;
            try
            {
                result = await store.TxnAsync(new Txn([.. compares], [.. puts], []), cancellationToken);
            }
            catch (StoreException)
            {
                // The store may have applied it without answering (etcd woken after the caller gave up): the caller hears
                // "nothing was changed", so the network goes again if it turns up.
                _ = UndoIfLandedAsync(network);
                throw;
            }
            if (result.Succeeded)
            {
                return network;
            }
            // Someone else changed the networks or took the VNI in between: check again against what they did.
        }
        throw new WeftValidationException(ErrorCodes.Contention, $"network '{spec.Name}' was not created: the cluster's networks kept changing during {MaxAttempts} attempts");
    }

    /// <summary>How long an unanswered create is watched for, to be undone should it land after all.</summary>
    public TimeSpan UndoPatience { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Removes <paramref name="network"/> if a create whose answer never came was applied after all: only that very record
    /// (its bytes), and only while no endpoint ever joined it. Tried every second until the store answers once.
    /// </summary>
    private async Task UndoIfLandedAsync(NetworkRecord network)
    {
        var undo = Txn.If(
                Compare.ValueIs(ClusterKeys.Network(network.Name), RecordCodec.Encode(network)),
                Compare.Absent(ClusterKeys.EndpointsMeta(network.Id)))
            .Then(
                TxnOp.Delete(ClusterKeys.Network(network.Name)),
                TxnOp.DeletePrefix(ClusterKeys.IpamPrefix(network.Id)),
                TxnOp.Put(ClusterKeys.NetworksMeta, "1"u8.ToArray()));
        if (network.Vni is { } vni)
        {
            undo = undo.Then(TxnOp.Delete(ClusterKeys.Vni(vni)));
        }
        var until = _clock.GetUtcNow() + UndoPatience;
        while (_clock.GetUtcNow() < until)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _clock, CancellationToken.None);
            try
            {
                await store.TxnAsync(undo, CancellationToken.None);
                return;
            }
            catch (StoreException)
            {
                // Still unreachable: try again.
            }
        }
    }

    /// <summary>
    /// Settings the driver has no use for are refused rather than dropped, so nobody believes a host network has a
    /// subnet or a bridge a VNI. A host network is the host's own stack (Docker's `host`), a null one loopback only:
    /// neither has addresses, a VNI, an MTU of Weft's or a way out to close.
    /// </summary>
    private static void ValidateForDriver(NetworkSpec spec)
    {
        var driver = spec.Driver.ToName();
        if (spec.Vni is not null && spec.Driver != NetworkDriver.Overlay)
        {
            throw new WeftValidationException(ErrorCodes.InvalidVni, $"network '{spec.Name}': only overlay networks have a VNI; this one uses the {driver} driver");
        }
        var problem =
            spec.Subnets.Count > 0 && !spec.Driver.ManagesAddresses() ? $"the {driver} driver manages no addresses, so it takes no subnet (--subnet, --gateway, --ip-range)"
            : spec.Mtu is not null && spec.Driver == NetworkDriver.Host ? "a host network uses the host's interfaces as they are, so it takes no MTU (--mtu)"
            : spec.Mtu is not null && spec.Driver == NetworkDriver.Null ? "a null network has loopback only, so it takes no MTU (--mtu)"
            : spec.Internal && spec.Driver.IsExclusive() ? $"the {driver} driver has no network of Weft's to close, so it cannot be internal (--internal)"
            : null;
        if (problem is not null)
        {
            throw new WeftValidationException(ErrorCodes.InvalidNetwork, $"network '{spec.Name}': {problem}");
        }
    }

    private static IReadOnlyList<SubnetConfig> SubnetsFor(NetworkSpec spec, List<NetworkRecord> existing, IReadOnlyList<HostRoute> hostRoutes)
    {
        if (spec.Subnets.Count > 0)
        {
            return [.. spec.Subnets.Select(s => s.Gateway is null ? s with { Gateway = SubnetRules.DefaultGateway(s.Subnet) } : s)];
        }
        // An automatic subnet must miss every network and every host's routes, not only this host's.
        var subnet = SubnetSelector.Select(DefaultAddressPool.Defaults, existing.SelectMany(n => n.Subnets).Select(s => s.Subnet), hostRoutes.Select(r => r.Destination));
        return [new SubnetConfig { Subnet = subnet, Gateway = SubnetRules.DefaultGateway(subnet) }];
    }

    /// <summary>Every host's routes, as each agent published them with its host record (the underlay's own among them).</summary>
    private async Task<IReadOnlyList<HostRoute>> HostRoutesAsync(CancellationToken cancellationToken)
    {
        var hosts = await store.ListAsync(ClusterKeys.HostInfo, cancellationToken);
        return [.. hosts.Items.Select(kv => RecordCodec.HostInfo(kv.Value)).OfType<HostInfoRecord>().SelectMany(h => h.Routes.Select(r => new HostRoute(h.Name, r)))];
    }

    private async Task<int> ChooseVni(int? requested, CancellationToken cancellationToken)
    {
        var taken = (await store.ListAsync(ClusterKeys.Vnis, cancellationToken)).Items
            .Select(kv => int.TryParse(ClusterKeys.LastSegment(kv.Key), out var v) ? v : -1)
            .Where(v => v > 0)
            .ToHashSet();
        if (requested is { } vni)
        {
            VniRules.ValidateRequested(vni, taken);
            return vni;
        }
        return VniRules.First(taken);
    }

    /// <summary>
    /// Removes a network with its VNI and address allocations. With endpoints left it refuses unless
    /// <paramref name="force"/>, which removes the endpoints' records too (their hosts then unplug them).
    /// </summary>
    public async Task RemoveAsync(string name, bool force, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(ClusterKeys.Network(name), cancellationToken);
            if (kv is null || RecordCodec.Network(kv.Value) is not { } network)
            {
                throw WeftErrors.NetworkNotFound(name);
            }
            // Read the endpoints' change marker before the endpoints, so a join in between fails the transaction.
            var endpointsMeta = await store.GetAsync(ClusterKeys.EndpointsMeta(network.Id), cancellationToken);
            var endpoints = await store.ListAsync(ClusterKeys.EndpointsPrefix(network.Id), cancellationToken);
            if (endpoints.Items.Count > 0 && !force)
            {
                var names = endpoints.Items.Select(e => RecordCodec.Endpoint(e.Value)?.ContainerName ?? ClusterKeys.LastSegment(e.Key)).Take(5);
                throw new WeftValidationException(ErrorCodes.InUse,
                    $"network '{name}' still has {endpoints.Items.Count} endpoint(s) ({string.Join(", ", names)}); disconnect them or force the removal");
            }
            var ops = new List<TxnOp>
            {
                TxnOp.Delete(ClusterKeys.Network(name)),
                TxnOp.DeletePrefix(ClusterKeys.IpamPrefix(network.Id)),
                TxnOp.DeletePrefix(ClusterKeys.ReleasedPrefix(network.Id)),
                TxnOp.DeletePrefix(ClusterKeys.EndpointsPrefix(network.Id)),
                TxnOp.DeletePrefix(ClusterKeys.DnsNamesPrefix(network.Id)),
                TxnOp.Put(ClusterKeys.NetworksMeta, "1"u8.ToArray()),
            };
            if (network.Vni is { } vni)
            {
                ops.Add(TxnOp.Delete(ClusterKeys.Vni(vni)));
            }
            // Only if the network is unchanged and no endpoint joined or left since we looked.
            ops.Add(TxnOp.Delete(ClusterKeys.EndpointsMeta(network.Id)));
            var txn = Txn.If(
                    Compare.ModRevisionIs(ClusterKeys.Network(name), kv.ModRevision),
                    Compare.ModRevisionIs(ClusterKeys.EndpointsMeta(network.Id), endpointsMeta?.ModRevision ?? 0))
                .Then([.. ops]);
            if ((await store.TxnAsync(txn, cancellationToken)).Succeeded)
            {
                return;
            }
        }
        throw new WeftValidationException(ErrorCodes.Contention, $"network '{name}' was not removed: it kept changing during {MaxAttempts} attempts");
    }

    public async Task<NetworkRecord?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        await store.GetAsync(ClusterKeys.Network(name), cancellationToken) is { } kv ? RecordCodec.Network(kv.Value) : null;

    /// <summary>The network's subnet that holds <paramref name="address"/>, if any.</summary>
    public static SubnetConfig? SubnetOf(NetworkRecord network, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Subnets.FirstOrDefault(s => s.Subnet.Contains(address));
    }
}
