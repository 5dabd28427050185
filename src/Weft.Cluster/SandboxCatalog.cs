using Weft.Core.Errors;
using Weft.Core.Naming;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>Sandbox records. Names are unique in the cluster, because they are what DNS answers for.</summary>
public sealed class SandboxCatalog(IClusterStore store)
{
    private const int MaxAttempts = 16;

    /// <summary>Claims the name; fails with duplicate when any host already uses it.</summary>
    public async Task CreateAsync(SandboxRecord sandbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        NameRules.ValidateSandboxName(sandbox.Name);
        var key = ClusterKeys.Sandbox(sandbox.Name);
        var txn = Txn.If(Compare.Absent(key)).Then(TxnOp.Put(key, RecordCodec.Encode(sandbox)));
        if (!(await store.TxnAsync(txn, cancellationToken)).Succeeded)
        {
            var holder = await store.GetAsync(key, cancellationToken);
            // Short() and not [..12]: a host id need not be 64 hex digits (WeftIds accepts 1 to 128 characters).
            var where = holder is not null && RecordCodec.Sandbox(holder.Value) is { } other ? $" (on host {WeftIds.Short(other.HostId)})" : "";
            throw new WeftValidationException(ClusterErrors.Duplicate, $"sandbox name '{sandbox.Name}' is already in use{where}");
        }
    }

    /// <summary>
    /// Replaces the record of a sandbox this host owns (its pid after a start, for instance). Only while the name still
    /// holds the sandbox with this id: a late update must neither bring back a removed sandbox nor overwrite another
    /// sandbox that has taken the name since.
    /// </summary>
    /// <exception cref="WeftValidationException">not-found when the name no longer holds this sandbox.</exception>
    public async Task UpdateAsync(SandboxRecord sandbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var key = ClusterKeys.Sandbox(sandbox.Name);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(key, cancellationToken);
            if (kv is null || RecordCodec.Sandbox(kv.Value)?.Id != sandbox.Id)
            {
                throw ClusterErrors.SandboxNotFound(sandbox.Name);
            }
            var txn = Txn.If(Compare.ModRevisionIs(key, kv.ModRevision)).Then(TxnOp.Put(key, RecordCodec.Encode(sandbox)));
            if ((await store.TxnAsync(txn, cancellationToken)).Succeeded)
            {
                return;
            }
        }
        throw new WeftValidationException(ClusterErrors.Contention, $"sandbox '{sandbox.Name}' was not updated: it kept changing during {MaxAttempts} attempts");
    }

    public async Task<SandboxRecord?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        await store.GetAsync(ClusterKeys.Sandbox(name), cancellationToken) is { } kv ? RecordCodec.Sandbox(kv.Value) : null;

    /// <summary>Removes the record if it is still the one with <paramref name="sandboxId"/>: a new sandbox that took the name stays.</summary>
    public Task RemoveAsync(string name, string sandboxId, CancellationToken cancellationToken = default) =>
        RemoveAsync(name, sandboxId, [], cancellationToken);

    /// <summary>As the public overload, and only while every one of <paramref name="guards"/> holds.</summary>
    /// <returns>False when a guard failed and nothing was removed.</returns>
    internal async Task<bool> RemoveAsync(string name, string sandboxId, IReadOnlyList<Compare> guards, CancellationToken cancellationToken)
    {
        var key = ClusterKeys.Sandbox(name);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await store.GetAsync(key, cancellationToken);
            if (kv is null || RecordCodec.Sandbox(kv.Value)?.Id != sandboxId)
            {
                return true;
            }
            var txn = new Txn([.. guards, Compare.ModRevisionIs(key, kv.ModRevision)], [TxnOp.Delete(key)], []);
            if ((await store.TxnAsync(txn, cancellationToken)).Succeeded)
            {
                return true;
            }
            if (guards.Count > 0)
            {
                return false;
            }
            // The record changed in between (an update): look again.
        }
        throw new WeftValidationException(ClusterErrors.Contention, $"sandbox '{name}' was not removed: it kept changing during {MaxAttempts} attempts");
    }
}
