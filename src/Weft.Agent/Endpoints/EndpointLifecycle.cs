using Weft.Agent.Dns;
using Weft.Agent.Kernel;
using Weft.Agent.State;
using Weft.Cluster;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.DataPlane;

namespace Weft.Agent.Endpoints;

/// <summary>
/// The one path by which anything joins a network on this host, whichever front end asks (`weft run` sandboxes,
/// Docker's SandboxKey, CNI's CNI_NETNS): reserve the endpoint in the store (name, address, MAC), join its
/// interface into a namespace the caller names, and later leave and release. The namespace is the caller's: the
/// lifecycle never creates nor deletes one. Reserve and release are store transactions; join and leave are kernel work
/// under the kernel lock, done by the network's driver. A front end that records intents reserves and joins through
/// <see cref="ReservationUnderIntent"/>.
/// </summary>
public sealed class EndpointLifecycle(
    string hostId,
    ClusterView view,
    EndpointCatalog endpoints,
    SandboxCatalog sandboxes,
    NetworkDriverRegistry drivers,
    KernelLock kernelLock,
    DnsListeners dns)
{
    public NetworkDriverRegistry Drivers => drivers;

    public Task<KernelLock.Held> LockKernelAsync(CancellationToken cancellationToken) => kernelLock.AcquireAsync(cancellationToken);

    /// <summary>
    /// Reserves the endpoints (with <paramref name="addition"/>, such as a sandbox's record, in the same transaction) and
    /// returns once the cluster view holds them, so every later read, this host's reconciler included, sees them.
    /// </summary>
    public async Task<(Reservation Reservation, ClusterSnapshot Snapshot)> ReserveAsync(IReadOnlyList<EndpointSpec> specs, TxnAddition addition, CancellationToken cancellationToken)
    {
        var reservation = await endpoints.ReserveAsync(specs, addition, cancellationToken);
        return (reservation, await view.WaitForRevisionAsync(reservation.Revision, cancellationToken));
    }

    /// <summary>
    /// Joins a reserved endpoint: its interface, configured, in <paramref name="namespacePath"/> (or, with
    /// <paramref name="handOver"/>, left in the host's namespace for the engine to move), and the network's DNS listener
    /// up before any process can ask it. <paramref name="snapshot"/> must hold the endpoint (the reservation's).
    /// </summary>
    public async Task JoinAsync(KernelLock.Held held, ClusterSnapshot snapshot, EndpointRecord endpoint, string namespacePath, bool handOver = false)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(endpoint);
        var network = snapshot.NetworkById(endpoint.NetworkId) ?? throw WeftErrors.NetworkNotFound(endpoint.NetworkName);
        var carrier = InterfaceOrder.DefaultRouteCarrier(snapshot.EndpointsOfSandbox(endpoint.SandboxId), snapshot.NetworkById);
        drivers.For(network).Join(DesiredState.PlanFor(snapshot, network, hostId), new LocalEndpoint(endpoint, namespacePath, carrier?.Id == endpoint.Id, handOver));
        await dns.EnsureAsync(network);
    }

    /// <summary>
    /// Takes the endpoint's interface away. Without the network's record (it was removed meanwhile) there is nothing to
    /// do here: the reconciler removes a network this host no longer uses, with every interface on it.
    /// </summary>
    public bool Leave(KernelLock.Held held, NetworkRecord? network, string endpointId)
    {
        ArgumentNullException.ThrowIfNull(held);
        return network is not null && drivers.For(network).Leave(network, endpointId);
    }

    /// <summary>Releases endpoints and their addresses (with <paramref name="addition"/> in the same transaction); null when the addition's condition failed.</summary>
    public Task<long?> ReleaseAsync(IReadOnlyList<EndpointKey> keys, TxnAddition addition, CancellationToken cancellationToken) =>
        endpoints.RemoveAsync(keys, addition, cancellationToken);

    /// <summary>
    /// Releases endpoints of one sandbox, and in the same transaction the sandbox's record when they are all it has in
    /// <paramref name="snapshot"/>: a Docker or CNI container's record lives exactly as long as its endpoints. Returns the
    /// revision of the write (0 when nothing was left).
    /// </summary>
    public async Task<long> ReleaseWithSandboxAsync(ClusterSnapshot snapshot, SandboxRecord? sandbox, IReadOnlyList<EndpointKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return sandbox is not null && snapshot.EndpointsOfSandbox(sandbox.Id).All(e => keys.Contains(EndpointKey.Of(e)))
            ? await sandboxes.RemoveAsync(sandbox.Name, sandbox.Id, keys, cancellationToken)
            : await endpoints.RemoveAsync(keys, TxnAddition.None, cancellationToken) ?? 0;
    }
}
