using Weft.Core.Naming;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>Sandbox records. Names are unique in the cluster, because they are what DNS answers for.</summary>
public sealed class SandboxCatalog(IClusterStore store)
{
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
            var where = holder is null ? "" : $" (on host {RecordCodec.Sandbox(holder.Value)?.HostId[..12]})";
            throw new Core.Errors.WeftValidationException(ClusterErrors.Duplicate, $"sandbox name '{sandbox.Name}' is already in use{where}");
        }
    }

    /// <summary>Replaces the record of a sandbox this host owns (its pid after a start, for instance).</summary>
    public Task UpdateAsync(SandboxRecord sandbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        return store.PutAsync(ClusterKeys.Sandbox(sandbox.Name), RecordCodec.Encode(sandbox), cancellationToken: cancellationToken);
    }

    public async Task<SandboxRecord?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        await store.GetAsync(ClusterKeys.Sandbox(name), cancellationToken) is { } kv ? RecordCodec.Sandbox(kv.Value) : null;

    /// <summary>Removes the record if it is still the one with <paramref name="sandboxId"/>: a new sandbox that took the name stays.</summary>
    public async Task RemoveAsync(string name, string sandboxId, CancellationToken cancellationToken = default)
    {
        var key = ClusterKeys.Sandbox(name);
        var kv = await store.GetAsync(key, cancellationToken);
        if (kv is null || RecordCodec.Sandbox(kv.Value)?.Id != sandboxId)
        {
            return;
        }
        await store.TxnAsync(Txn.If(Compare.ModRevisionIs(key, kv.ModRevision)).Then(TxnOp.Delete(key)), cancellationToken);
    }
}
