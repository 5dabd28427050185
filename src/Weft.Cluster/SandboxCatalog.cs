using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// Sandbox records. Names are unique in the cluster, because they are what DNS answers for. A sandbox is written with
/// all its endpoints in one transaction and removed with them in one, so no reader ever sees one without the other.
/// </summary>
public sealed class SandboxCatalog(IClusterStore store, TimeProvider? clock = null)
{
    private const int MaxAttempts = 16;
    private readonly EndpointCatalog _endpoints = new(store, clock);

    /// <summary>Claims the name and reserves the endpoints; fails with duplicate when any host already uses the name.</summary>
    public Task<Reservation> CreateAsync(SandboxRecord sandbox, IReadOnlyList<EndpointSpec> endpoints, CancellationToken cancellationToken = default) =>
        _endpoints.ReserveAsync(endpoints, Claim(sandbox), cancellationToken);

    /// <summary>
    /// The claim on the sandbox's name, for the transaction that reserves its endpoints: the record is written only if the
    /// name is free, and a taken name is reported as duplicate rather than retried.
    /// </summary>
    public TxnAddition Claim(SandboxRecord sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        NameRules.ValidateSandboxName(sandbox.Name);
        var key = ClusterKeys.Sandbox(sandbox.Name);
        var ports = sandbox.Ports.Select(p => ClusterKeys.Port(sandbox.HostId, p.Protocol, p.HostPort)).ToList();
        if (ports.Distinct(StringComparer.Ordinal).Count() != ports.Count)
        {
            throw new WeftValidationException(ErrorCodes.PortTaken, $"sandbox '{sandbox.Name}' publishes the same host port twice");
        }
        return new TxnAddition(
            [Compare.Absent(key), .. ports.Select(Compare.Absent)],
            [TxnOp.Put(key, RecordCodec.Encode(sandbox)), .. ports.Select(p => TxnOp.Put(p, System.Text.Encoding.UTF8.GetBytes(sandbox.Id)))],
            async ct =>
            {
                var holder = await store.GetAsync(key, ct);
                if (holder is not null)
                {
                    // Short() and not [..12]: a host id need not be 64 hex digits (WeftIds accepts 1 to 128 characters).
                    var where = RecordCodec.Sandbox(holder.Value) is { } other ? $" (on host {WeftIds.Short(other.HostId)})" : "";
                    return new WeftValidationException(ErrorCodes.Duplicate, $"sandbox name '{sandbox.Name}' is already in use{where}");
                }
                foreach (var (mapping, portKey) in sandbox.Ports.Zip(ports))
                {
                    if (await store.GetAsync(portKey, ct) is { } taken)
                    {
                        return new WeftValidationException(ErrorCodes.PortTaken,
                            $"host port {mapping.HostPort}/{mapping.Protocol} is already published on this host (by sandbox id {WeftIds.Short(System.Text.Encoding.UTF8.GetString(taken.Value))})");
                    }
                }
                return null;
            });
    }

    /// <summary>
    /// The condition that the sandbox still exists (the record created at <paramref name="createRevision"/>, whatever
    /// its updates since), for a transaction that adds to it (a network connect): an endpoint never outlives a sandbox
    /// removed meanwhile.
    /// </summary>
    public TxnAddition Exists(SandboxRecord sandbox, long createRevision)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var key = ClusterKeys.Sandbox(sandbox.Name);
        return new TxnAddition([Compare.CreatedAt(key, createRevision)], [], async ct =>
            await store.GetAsync(key, ct) is { } kv && RecordCodec.Sandbox(kv.Value)?.Id == sandbox.Id
                ? null
                : WeftErrors.SandboxNotFound(sandbox.Name));
    }

    /// <summary>The revision the sandbox's record was created at (for <see cref="Exists"/>); null when the name holds no sandbox with this id.</summary>
    public async Task<long?> CreateRevisionAsync(string name, string sandboxId, CancellationToken cancellationToken = default) =>
        await store.GetAsync(ClusterKeys.Sandbox(name), cancellationToken) is { } kv && RecordCodec.Sandbox(kv.Value)?.Id == sandboxId
            ? kv.CreateRevision
            : null;

    /// <summary>
    /// Replaces the record of a sandbox this host owns (its pid after a start, for instance). Only while the name still
    /// holds the sandbox with this id: a late update must neither bring back a removed sandbox nor overwrite another
    /// sandbox that has taken the name since. Returns the revision of the write.
    /// </summary>
    /// <exception cref="WeftValidationException">not-found when the name no longer holds this sandbox.</exception>
    public async Task<long> UpdateAsync(SandboxRecord sandbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var key = ClusterKeys.Sandbox(sandbox.Name);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(key, cancellationToken);
            if (kv is null || RecordCodec.Sandbox(kv.Value)?.Id != sandbox.Id)
            {
                throw WeftErrors.SandboxNotFound(sandbox.Name);
            }
            var txn = Txn.If(Compare.ModRevisionIs(key, kv.ModRevision)).Then(TxnOp.Put(key, RecordCodec.Encode(sandbox)));
            var result = await store.TxnAsync(txn, cancellationToken);
            if (result.Succeeded)
            {
                return result.Revision;
            }
        }
        throw new WeftValidationException(ErrorCodes.Contention, $"sandbox '{sandbox.Name}' was not updated: it kept changing during {MaxAttempts} attempts");
    }

    public async Task<SandboxRecord?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        await store.GetAsync(ClusterKeys.Sandbox(name), cancellationToken) is { } kv ? RecordCodec.Sandbox(kv.Value) : null;

    /// <summary>
    /// Removes the sandbox record, if it is still the one with <paramref name="sandboxId"/> (a new sandbox that took the
    /// name stays), together with <paramref name="endpoints"/> and their addresses, in one transaction. Removing what is
    /// gone already is not an error. Returns the revision of the removal (0 when nothing was left).
    /// </summary>
    public async Task<long> RemoveAsync(string name, string sandboxId, IReadOnlyList<EndpointKey> endpoints, CancellationToken cancellationToken = default) =>
        await RemoveAsync(name, sandboxId, endpoints, [], cancellationToken) ?? 0;

    /// <summary>As the public overload, and only while every one of <paramref name="guards"/> holds (the reaper's "the host is still away").</summary>
    /// <returns>Null when a guard failed and nothing was removed.</returns>
    internal async Task<long?> RemoveAsync(string name, string sandboxId, IReadOnlyList<EndpointKey> endpoints, IReadOnlyList<Compare> guards, CancellationToken cancellationToken)
    {
        var key = ClusterKeys.Sandbox(name);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(key, cancellationToken);
            var record = kv is null ? null : RecordCodec.Sandbox(kv.Value);
            var ours = record?.Id == sandboxId;
            Compare[] unchanged = [Compare.ModRevisionIs(key, kv?.ModRevision ?? 0)];
            // Its host ports go with it: they were claimed in the transaction that wrote it.
            TxnOp[] removals = ours
                ? [TxnOp.Delete(key), .. record!.Ports.Select(p => TxnOp.Delete(ClusterKeys.Port(record.HostId, p.Protocol, p.HostPort)))]
                : [];
            // A failure of the endpoints' own compares is retried inside the endpoint catalog; one of these ends the
            // attempt, and this loop then tells a failed guard (give up) from a changed record (look again).
            var addition = TxnAddition.Guards(store, [.. guards, .. unchanged], removals);
            var revision = await _endpoints.RemoveAsync(endpoints, addition, cancellationToken);
            if (revision is not null)
            {
                return revision;
            }
            if (!await TxnAddition.HoldsAsync(store, guards, cancellationToken))
            {
                return null;
            }
            // The record changed in between (an update, or a new sandbox took the name): look again.
        }
        throw new WeftValidationException(ErrorCodes.Contention, $"sandbox '{name}' was not removed: it kept changing during {MaxAttempts} attempts");
    }
}
