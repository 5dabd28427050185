using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Weft.Agent.Endpoints;
using Weft.Cluster;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Ipam;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Core.Overlay;

namespace Weft.Agent.Docker;

/// <summary>
/// Weft as Docker's remote network driver and IPAM driver: the second front end of the endpoint lifecycle. Docker asks
/// for an address (IPAM), creates an endpoint, joins it to a container's namespace (its SandboxKey) and later leaves,
/// deletes and releases; Weft does each step in the cluster store and the kernel, so Docker containers share Weft's
/// networks, addresses and names with every other front end on every host.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Docker networks map to Weft networks by name (each host's Docker gives its copy its own id). A network the agent
/// makes in Docker carries its Weft id as the option <c>weft.network</c>; one a user makes with `docker network create`
/// is named only in dockerd's API, and only once CreateNetwork has returned, so its Weft network is made right after.</item>
/// <item>Join hands the interface over (Docker moves and configures it) and returns no gateway: Docker then adds its
/// docker_gwbridge with the default route, which gives the container the way out and `-p` (DNAT) as Docker always
/// did; overlay traffic stays on the Weft network's own subnet. An internal network gets neither.</item>
/// <item>Names (the container's name, hostname and --network-alias) never reach a plugin; they are read from dockerd once
/// the container has joined (<see cref="DockerNames"/>).</item>
/// </list>
/// </remarks>
public sealed class DockerDriver(
    AgentContext context,
    ClusterView view,
    NetworkCatalog networks,
    EndpointCatalog endpoints,
    SandboxCatalog sandboxes,
    EndpointLifecycle lifecycle,
    DockerEngine engine,
    DockerNames names,
    ILogger<DockerDriver> log)
{
    public const string DriverName = "weft";

    /// <summary>The Weft network a Docker network stands for, on networks the agent itself makes in Docker.</summary>
    public const string NetworkOption = "weft.network";

    public const string VniOption = "weft.vni";

    /// <summary>Docker's own name for a network's MTU (`-o com.docker.network.driver.mtu=1400`).</summary>
    public const string MtuOption = NetworkOptions.Mtu;

    private const string GenericOptions = "com.docker.network.generic";
    private const string InternalOption = "com.docker.network.internal";
    private const string GatewayRequest = "com.docker.network.gateway";
    private static readonly TimeSpan NameLookupLimit = TimeSpan.FromSeconds(10);
    private static readonly string[] KnownNetworkOptions = [NetworkOption, VniOption, MtuOption];

    private readonly ConcurrentDictionary<string, string> _weftNames = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingNetwork> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _removedByWeft = new(StringComparer.Ordinal);
    /// <summary>The --ip-range of each pool Docker asked for: CreateNetwork names only the pool's subnet.</summary>
    private readonly ConcurrentDictionary<IpNetwork, IpNetwork> _ranges = new();

    /// <summary>A network a user made in Docker whose name is not known yet.</summary>
    private sealed record PendingNetwork(string DockerId, NetworkSpec Spec, TaskCompletionSource<string?> Resolved);

    public static ActivateResponse Activate() => new(["NetworkDriver", "IpamDriver"]);

    /// <summary>Local scope: Docker refuses a global-scope plugin outside swarm. Connectivity spans hosts.</summary>
    public static NetworkCapabilities Capabilities() => new("local", "global");

    public static IpamCapabilities IpamCapabilities() => new(RequiresMACAddress: false, RequiresRequestReplay: false);

    public static AddressSpaces AddressSpaces() => new(DriverName, DriverName);

    /// <summary>Docker ids of networks the agent removes from Docker itself (the cluster removed them): not removed from Weft again.</summary>
    public void RemovingFromDocker(string dockerId) => _removedByWeft[dockerId] = true;

    /// <summary>Whether a Docker network of this driver is still waiting for its Weft network (so nobody takes it for a leftover).</summary>
    public bool IsPending(string dockerId) => _pending.ContainsKey(dockerId);

    private TaskCompletionSource _copyDropped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes when Docker drops its copy of a network the cluster keeps: libnetwork ignores a driver's error on
    /// DeleteNetwork and removes the network anyway, so the mirror must put the copy back.
    /// </summary>
    public Task LocalCopyDropped => Volatile.Read(ref _copyDropped).Task;

    // ---- IPAM

    public Task<RequestPoolResponse> RequestPoolAsync(RequestPoolRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.V6)
        {
            throw Refused(ErrorCodes.InvalidSubnet, "Weft networks carry IPv4 only so far: --ipv6 and IPv6 subnets are refused");
        }
        RequireNone(request.Options, "--ipam-opt");
        var snapshot = view.Current;
        IpNetwork subnet;
        if (string.IsNullOrEmpty(request.Pool))
        {
            var routes = snapshot.KnownHosts.Values.SelectMany(h => h.Routes);
            subnet = SubnetSelector.Select(DefaultAddressPool.Defaults, snapshot.Networks.Values.SelectMany(n => n.Subnets).Select(s => s.Subnet), routes);
        }
        else
        {
            subnet = IpNetwork.Parse(request.Pool);
            // The subnet of a Weft network that exists already is that network's (made on another host, or by the agent).
            var clash = snapshot.Networks.Values.SelectMany(n => n.Subnets.Select(s => (n.Name, s.Subnet)))
                .FirstOrDefault(x => x.Subnet.Overlaps(subnet) && !x.Subnet.Equals(subnet));
            if (clash.Name is not null)
            {
                throw Refused(ErrorCodes.Overlap, $"{subnet} overlaps {clash.Subnet} of Weft network '{clash.Name}'");
            }
        }
        var range = string.IsNullOrEmpty(request.SubPool) ? null : (IpNetwork?)IpNetwork.Parse(request.SubPool);
        SubnetRules.EnsureRoomForGateway(subnet);
        SubnetRules.Validate(new SubnetConfig { Subnet = subnet, IPRange = range });
        if (range is { } r)
        {
            _ranges[subnet] = r;
        }
        else
        {
            _ranges.TryRemove(subnet, out _);
        }
        return Task.FromResult(new RequestPoolResponse(PoolId(subnet, range), subnet.ToString(), []));
    }

    /// <summary>Nothing to give back: a pool is a subnet, which its network holds.</summary>
    public static Task ReleasePoolAsync(ReleasePoolRequest request) => Task.CompletedTask;

    public async Task<RequestAddressResponse> RequestAddressAsync(RequestAddressRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (subnet, _) = ParsePool(request.PoolID);
        var requested = string.IsNullOrEmpty(request.Address) ? null : IpAddressText.Parse(request.Address);
        var options = request.Options ?? [];
        if (options.TryGetValue("RequestAddressType", out var type) && type == GatewayRequest)
        {
            // The gateway of a network being made: the Weft network takes it when it is made (a given one, or .1).
            var gateway = requested ?? SubnetRules.DefaultGateway(subnet);
            if (!subnet.Contains(gateway))
            {
                throw Refused(ErrorCodes.InvalidGateway, $"gateway {gateway} is outside {subnet}");
            }
            return new RequestAddressResponse($"{gateway}/{subnet.PrefixLength}", []);
        }
        RequireNone(options.Where(o => o.Key != "com.docker.network.endpoint.macaddress").ToDictionary(), "address options");
        var network = await NetworkOfSubnetAsync(subnet, ct);
        var address = await endpoints.ReservePendingAsync(network.Name, requested, $"docker/{context.HostId}", context.HostId, ct);
        return new RequestAddressResponse($"{address}/{subnet.PrefixLength}", []);
    }

    public async Task ReleaseAddressAsync(ReleaseAddressRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (subnet, _) = ParsePool(request.PoolID);
        var address = IpAddressText.Parse(request.Address);
        // An endpoint's address went back with the endpoint; a gateway goes with its network.
        if (view.Current.Networks.Values.FirstOrDefault(n => n.Subnets.Any(s => s.Subnet.Equals(subnet))) is { } network
            && !network.Subnets.Any(s => address.Equals(s.Gateway)))
        {
            await endpoints.ReleasePendingAsync(network.Id, address, context.HostId, ct);
        }
    }

    // ---- Networks

    public async Task CreateNetworkAsync(CreateNetworkRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.Options ?? [];
        var generic = GenericOf(options);
        RequireKnown(generic, KnownNetworkOptions, "-o");
        if (request.IPv6Data is { Count: > 0 })
        {
            throw Refused(ErrorCodes.InvalidSubnet, "Weft networks carry IPv4 only so far: IPv6 subnets are refused");
        }
        if (request.IPv4Data is not [var ipam])
        {
            throw Refused(ErrorCodes.InvalidSubnet, $"a Weft network has exactly one IPv4 subnet; Docker asked for {request.IPv4Data?.Count ?? 0}");
        }
        if (ipam.AddressSpace != DriverName)
        {
            // Docker's default IPAM keeps its addresses per daemon: two hosts would hand out the same one.
            throw Refused(ErrorCodes.InvalidNetwork, $"the weft driver needs --ipam-driver weft (this network's addresses come from '{ipam.AddressSpace}', which hands them out per host)");
        }
        if (ipam.AuxAddresses is { Count: > 0 })
        {
            throw Refused(ErrorCodes.InvalidSubnet, "--aux-address is not supported by the weft driver");
        }
        var subnet = IpNetwork.Parse(ipam.Pool ?? "");
        var range = _ranges.TryRemove(subnet, out var r) ? r : (IpNetwork?)null;
        if (generic.TryGetValue(NetworkOption, out var weftId))
        {
            // Made by the agent for a network the cluster has: nothing more to decide.
            var existing = view.Current.NetworkById(weftId) ?? throw Refused(ErrorCodes.NotFound, $"Weft network {WeftIds.Short(weftId)} not found");
            _weftNames[request.NetworkID] = existing.Name;
            return;
        }
        var gateway = ipam.Gateway is { Length: > 0 } g ? IpAddressText.Parse(g.Split('/')[0]) : null;
        var spec = new NetworkSpec
        {
            Name = request.NetworkID, // a stand-in until dockerd tells the name
            Subnets = [new SubnetConfig { Subnet = subnet, Gateway = gateway, IPRange = range }],
            Internal = options.TryGetValue(InternalOption, out var i) && i.ValueKind == JsonValueKind.True,
            Vni = generic.TryGetValue(VniOption, out var vni) ? ParseNumber(vni, VniOption) : null,
            Mtu = generic.TryGetValue(MtuOption, out var mtu) ? ParseNumber(mtu, MtuOption) : null,
        };
        if (spec.Vni is { } v)
        {
            VniRules.Validate(v);
        }
        if (spec.Mtu is { } m)
        {
            MtuRules.Validate(m, carriesIPv6: false);
        }
        var pending = new PendingNetwork(request.NetworkID, spec, new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[request.NetworkID] = pending;
        // dockerd stores the network, and so says its name, only after this call returns.
        _ = Task.Run(() => ResolvePendingAsync(pending), CancellationToken.None);
    }

    public async Task DeleteNetworkAsync(NetworkRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        _pending.TryRemove(request.NetworkID, out _);
        var removedByWeft = _removedByWeft.TryRemove(request.NetworkID, out _);
        if (!_weftNames.TryRemove(request.NetworkID, out var name))
        {
            name = (await engine.GetNetworkAsync(request.NetworkID, ct))?.Name;
        }
        // `docker network rm` on any host removes the network from the cluster (and so from every host's Docker). A
        // network still in use elsewhere is refused; Docker logs the refusal but drops its copy all the same, and the
        // mirror puts the copy back.
        if (!removedByWeft && name is not null && view.Current.Networks.ContainsKey(name))
        {
            try
            {
                await networks.RemoveAsync(name, force: false, ct);
            }
            catch
            {
                Interlocked.Exchange(ref _copyDropped, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                throw;
            }
        }
    }

    // ---- Endpoints

    public async Task<CreateEndpointResponse> CreateEndpointAsync(CreateEndpointRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var network = await NetworkOfAsync(request.NetworkID, ct);
        var cidr = request.Interface?.Address is { Length: > 0 } a ? a : throw Refused(ErrorCodes.InvalidAddress, "Docker sent no IPv4 address for the endpoint");
        var address = IpAddressText.Parse(cidr[..cidr.IndexOf('/', StringComparison.Ordinal)]);
        var givenMac = request.Interface?.MacAddress is { Length: > 0 } text ? MacAddress.Parse(text) : (MacAddress?)null;
        var spec = new EndpointSpec
        {
            Id = request.EndpointID,
            NetworkName = network.Name,
            SandboxId = request.EndpointID, // until Join names the container's sandbox
            HostId = context.HostId,
            InterfaceName = "",
            Address = address,
            TakesPendingAddress = true,
            Mac = givenMac,
        };
        var (reservation, _) = await lifecycle.ReserveAsync([spec], TxnAddition.None, ct);
        // Docker wants the MAC back only when it chose none; echoing a different one makes it roll back.
        return givenMac is null ? new CreateEndpointResponse(new EndpointInterface(null, null, reservation.Endpoints[0].Mac.ToString())) : new CreateEndpointResponse(null);
    }

    public async Task<JoinResponse> JoinAsync(JoinRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var network = await NetworkOfAsync(request.NetworkID, ct);
        var endpoint = await EndpointAsync(network, request.EndpointID, ct);
        var sandbox = await SandboxForAsync(request.SandboxKey, ct);
        var revision = await endpoints.UpdateAsync(endpoint with { SandboxId = sandbox.Id }, ct);
        var snapshot = await view.WaitForRevisionAsync(revision, ct);
        var joined = snapshot.Endpoints.TryGetValue(endpoint.Id, out var e) ? e : throw Refused(ErrorCodes.NotFound, $"endpoint {WeftIds.Short(endpoint.Id)} went away while it joined");
        using (var held = await lifecycle.LockKernelAsync(ct))
        {
            await lifecycle.JoinAsync(held, snapshot, joined, request.SandboxKey, handOver: true);
        }
        names.Learn(request.NetworkID, network.Name, joined, sandbox.Id);
        return new JoinResponse(new InterfaceName(KernelNames.VethContainerName(endpoint.Id), "eth"), Gateway: null, DnsRoute(snapshot, network, joined),
            DisableGatewayService: network.Internal);
    }

    /// <summary>
    /// The container's route to Weft's DNS (the container DNS address, which dockerd's `--dns` names): through its first
    /// Weft overlay network, whose bridge holds that address, so its queries come from its address on that network and
    /// Weft knows who asks. One such route per container: Docker fails a join whose route exists already.
    /// </summary>
    private IReadOnlyList<StaticRoute> DnsRoute(ClusterSnapshot snapshot, NetworkRecord network, EndpointRecord joined) =>
        context.Options.ContainerDnsAddress is { } dns && network.Driver == NetworkDriver.Overlay && network.Subnets is [{ Gateway: { } gateway }, ..]
            && !snapshot.EndpointsOfSandbox(joined.SandboxId).Any(e => e.Id != joined.Id && snapshot.NetworkById(e.NetworkId)?.Driver == NetworkDriver.Overlay)
            ? [new StaticRoute($"{dns}/32", RouteType: 0, gateway.ToString())]
            : [];

    public async Task LeaveAsync(EndpointRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var network = await NetworkOfAsync(request.NetworkID, ct);
        using var held = await lifecycle.LockKernelAsync(ct);
        lifecycle.Leave(held, network, request.EndpointID);
    }

    public async Task DeleteEndpointAsync(EndpointRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var network = await NetworkOfAsync(request.NetworkID, ct);
        await ReleaseAsync(EndpointKey.Of(await FindEndpointAsync(network, request.EndpointID, required: false, ct) ?? Placeholder(network, request.EndpointID)), ct);
    }

    /// <summary>Releases a Docker endpoint, and the container's sandbox record with its last one.</summary>
    public async Task ReleaseAsync(EndpointKey key, CancellationToken ct)
    {
        var snapshot = view.Current;
        var sandbox = snapshot.Endpoints.TryGetValue(key.Id, out var e) ? snapshot.SandboxById(e.SandboxId) : null;
        names.Forget(key.Id);
        await lifecycle.ReleaseWithSandboxAsync(snapshot, sandbox, [key], ct);
    }

    // ---- Mapping Docker's networks to Weft's

    /// <summary>The Weft network a Docker network stands for: known from its making, or by its name in dockerd.</summary>
    public async Task<NetworkRecord> NetworkOfAsync(string dockerId, CancellationToken ct)
    {
        if (_pending.TryGetValue(dockerId, out var pending))
        {
            await pending.Resolved.Task.WaitAsync(NameLookupLimit, ct);
        }
        if (!_weftNames.TryGetValue(dockerId, out var name))
        {
            name = (await engine.GetNetworkAsync(dockerId, ct))?.Name
                ?? throw Refused(ErrorCodes.NotFound, $"Docker network {WeftIds.Short(dockerId)} is unknown to dockerd");
            _weftNames[dockerId] = name;
        }
        return (await view.FreshAsync(ct)).Networks.TryGetValue(name, out var network)
            ? network
            : throw Refused(ErrorCodes.NotFound, $"Docker network '{name}' has no Weft network of that name (it was removed from the cluster)");
    }

    /// <summary>Gives a user's Docker network its Weft network once dockerd tells its name, or takes it out of Docker when it cannot have one.</summary>
    private async Task ResolvePendingAsync(PendingNetwork pending)
    {
        string? name = null;
        try
        {
            using var limit = new CancellationTokenSource(NameLookupLimit);
            while (name is null)
            {
                name = (await engine.GetNetworkAsync(pending.DockerId, limit.Token))?.Name;
                if (name is null)
                {
                    await Task.Delay(10, limit.Token);
                }
            }
            var existing = (await view.FreshAsync(limit.Token)).Networks.GetValueOrDefault(name);
            if (existing is null)
            {
                var created = await networks.CreateAsync(pending.Spec with { Name = name }, limit.Token);
                // Pending until this host's view has it, so the mirror never takes the network for one the cluster dropped.
                await view.WaitUntilAsync(s => s.NetworkById(created.Id) is not null, limit.Token);
                log.LogInformation("Docker network {Name} is Weft network {Name} ({Subnet})", name, name, pending.Spec.Subnets[0].Subnet);
            }
            else if (!existing.Subnets.Any(s => s.Subnet.Equals(pending.Spec.Subnets[0].Subnet)))
            {
                throw Refused(ErrorCodes.Duplicate, $"Weft network '{name}' exists with subnet {existing.Subnets[0].Subnet}, not {pending.Spec.Subnets[0].Subnet}");
            }
            _weftNames[pending.DockerId] = name;
            pending.Resolved.TrySetResult(name);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Docker already said yes; the one way to tell the user no is to take the network out of Docker again.
            log.LogError("Docker network {Name} cannot be a Weft network, so it is removed from Docker: {Error}", name ?? WeftIds.Short(pending.DockerId), e.Message);
            pending.Resolved.TrySetResult(null);
            _removedByWeft[pending.DockerId] = true;
            try
            {
                await engine.RemoveNetworkAsync(pending.DockerId, CancellationToken.None);
            }
            catch (DockerEngineException removal)
            {
                log.LogError("removing Docker network {Name}: {Error}", name, removal.Message);
            }
        }
        finally
        {
            _pending.TryRemove(pending.DockerId, out _);
        }
    }

    /// <summary>The Weft network of a pool: it may still be being made from a user's `docker network create`.</summary>
    private async Task<NetworkRecord> NetworkOfSubnetAsync(IpNetwork subnet, CancellationToken ct)
    {
        var snapshot = await view.FreshAsync(ct);
        if (snapshot.Networks.Values.FirstOrDefault(n => n.Subnets.Any(s => s.Subnet.Equals(subnet))) is { } found)
        {
            return found;
        }
        foreach (var pending in _pending.Values.Where(p => p.Spec.Subnets[0].Subnet.Equals(subnet)))
        {
            if (await pending.Resolved.Task.WaitAsync(NameLookupLimit, ct) is { } name
                && (await view.FreshAsync(ct)).Networks.TryGetValue(name, out var made))
            {
                return made;
            }
        }
        throw Refused(ErrorCodes.NotFound, $"no Weft network has the subnet {subnet}: Weft's IPAM serves networks of the weft driver only, and no --aux-address");
    }

    private async Task<EndpointRecord> EndpointAsync(NetworkRecord network, string endpointId, CancellationToken ct) =>
        await FindEndpointAsync(network, endpointId, required: true, ct) ?? throw new InvalidOperationException("unreachable");

    private async Task<EndpointRecord?> FindEndpointAsync(NetworkRecord network, string endpointId, bool required, CancellationToken ct)
    {
        var snapshot = view.Current.Endpoints.ContainsKey(endpointId) ? view.Current : await view.FreshAsync(ct);
        return snapshot.Endpoints.TryGetValue(endpointId, out var e) ? e
            : required ? throw Refused(ErrorCodes.NotFound, $"endpoint {WeftIds.Short(endpointId)} is not on network '{network.Name}'")
            : null;
    }

    /// <summary>Where an endpoint would be stored, for releasing one Weft no longer has a record of.</summary>
    private static EndpointRecord Placeholder(NetworkRecord network, string endpointId) => new()
    {
        Id = endpointId,
        NetworkId = network.Id,
        NetworkName = network.Name,
        SandboxId = endpointId,
        HostId = "",
        Mac = MacAddress.ForEndpoint(endpointId),
        InterfaceName = "",
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>
    /// The sandbox record of a Docker container's namespace, made with its first endpoint. Its id comes from the host and
    /// the SandboxKey, so every network the container joins finds the same one; its name is Weft's own and unique in the
    /// cluster (the container's name, which Docker keeps unique per host only, is the endpoint's DNS name).
    /// </summary>
    private async Task<SandboxRecord> SandboxForAsync(string sandboxKey, CancellationToken ct)
    {
        var id = Convert.ToHexStringLower(Weft.Core.Hashing.Sha256.HashData(Encoding.UTF8.GetBytes($"{context.HostId}\n{sandboxKey}")));
        if (view.Current.SandboxById(id) is { } known)
        {
            return known;
        }
        var record = new SandboxRecord
        {
            Id = id,
            Name = $"docker-{WeftIds.Short(id)}",
            HostId = context.HostId,
            Engine = SandboxEngine.Docker,
            NetworkNamespace = sandboxKey,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        try
        {
            await sandboxes.CreateAsync(record, [], ct);
            return record;
        }
        catch (WeftValidationException e) when (e.Code == ErrorCodes.Duplicate)
        {
            // A second network of the same container, joining at the same moment, made it first.
            if (await sandboxes.GetAsync(record.Name, ct) is { } existing && existing.Id == id)
            {
                return existing;
            }
            throw;
        }
    }

    // ---- Pools and options

    private static string PoolId(IpNetwork subnet, IpNetwork? range) => range is { } r ? $"{subnet}|{r}" : subnet.ToString();

    private static (IpNetwork Subnet, IpNetwork? Range) ParsePool(string poolId)
    {
        var parts = poolId.Split('|');
        return parts.Length switch
        {
            1 => (IpNetwork.Parse(parts[0]), null),
            2 => (IpNetwork.Parse(parts[0]), IpNetwork.Parse(parts[1])),
            _ => throw Refused(ErrorCodes.InvalidPool, $"'{poolId}' is no pool of Weft's"),
        };
    }

    private static Dictionary<string, string> GenericOf(Dictionary<string, JsonElement> options) =>
        options.TryGetValue(GenericOptions, out var generic) && generic.ValueKind == JsonValueKind.Object
            ? generic.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal)
            : [];

    private static void RequireKnown(Dictionary<string, string> given, string[] known, string flag)
    {
        if (given.Keys.FirstOrDefault(k => !known.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            throw Refused(ErrorCodes.InvalidNetwork, $"{flag} {unknown} is not an option of the weft driver (known: {string.Join(", ", known)})");
        }
    }

    private static void RequireNone(Dictionary<string, string>? given, string flag)
    {
        if (given is { Count: > 0 })
        {
            throw Refused(ErrorCodes.InvalidPool, $"{flag} {given.Keys.First()} is not an option of Weft's IPAM driver (it takes none)");
        }
    }

    private static int ParseNumber(string text, string option) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw Refused(ErrorCodes.InvalidNetwork, $"-o {option}={text}: a whole number is needed");

    private static WeftValidationException Refused(string code, string message) => new(code, message);
}
