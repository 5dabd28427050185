using System.Collections.Immutable;

namespace Weft.Store;

/// <summary>
/// A transaction: if every compare holds, apply <see cref="Success"/>, otherwise <see cref="Failure"/>.
/// Build it fluently: <c>Txn.If(Compare.Absent(k)).Then(TxnOp.Put(k, v)).Else(...)</c>.
/// </summary>
/// <remarks>A key may appear in at most one op per branch, as in etcd.</remarks>
public sealed record Txn(ImmutableArray<Compare> Compares, ImmutableArray<TxnOp> Success, ImmutableArray<TxnOp> Failure)
{
    public static Txn If(params ReadOnlySpan<Compare> compares) => new([.. compares], [], []);

    public Txn Then(params ReadOnlySpan<TxnOp> ops) => this with { Success = Success.AddRange(ops) };

    public Txn Else(params ReadOnlySpan<TxnOp> ops) => this with { Failure = Failure.AddRange(ops) };
}

/// <summary>What a compare looks at.</summary>
public enum CompareTarget
{
    /// <summary>Number of puts since creation; 0 means the key is absent.</summary>
    Version,
    /// <summary>Revision of the key's last put; 0 when absent.</summary>
    ModRevision,
    /// <summary>Revision at which the key was created (it stays through later puts); 0 when absent.</summary>
    CreateRevision,
    /// <summary>Exact bytes of the value; never equal when absent.</summary>
    Value,
}

/// <summary>An equality check on one key, evaluated inside a transaction.</summary>
public sealed record Compare(string Key, CompareTarget Target, long Number, ReadOnlyMemory<byte> Value)
{
    /// <summary>The key does not exist.</summary>
    public static Compare Absent(string key) => new(key, CompareTarget.Version, 0, default);

    /// <summary>The key has been put exactly <paramref name="version"/> times since creation.</summary>
    public static Compare VersionIs(string key, long version) => new(key, CompareTarget.Version, version, default);

    /// <summary>The key was last written at <paramref name="modRevision"/>: the compare-and-swap guard.</summary>
    public static Compare ModRevisionIs(string key, long modRevision) => new(key, CompareTarget.ModRevision, modRevision, default);

    /// <summary>
    /// The key is the one created at <paramref name="createRevision"/>: it may have been written since, but was never
    /// deleted and made again. The guard for "this record still exists", whatever its later updates.
    /// </summary>
    public static Compare CreatedAt(string key, long createRevision) => new(key, CompareTarget.CreateRevision, createRevision, default);

    /// <summary>The key exists and holds exactly <paramref name="value"/>.</summary>
    public static Compare ValueIs(string key, ReadOnlyMemory<byte> value) => new(key, CompareTarget.Value, 0, value);
}

/// <summary>A write inside a transaction branch.</summary>
public abstract record TxnOp(string Key)
{
    public static TxnOp Put(string key, ReadOnlyMemory<byte> value, long leaseId = 0) => new PutOp(key, value, leaseId);

    public static TxnOp Delete(string key) => new DeleteOp(key, IsPrefix: false);

    public static TxnOp DeletePrefix(string prefix) => new DeleteOp(prefix, IsPrefix: true);

    public sealed record PutOp(string Key, ReadOnlyMemory<byte> Value, long LeaseId) : TxnOp(Key);

    public sealed record DeleteOp(string Key, bool IsPrefix) : TxnOp(Key);
}

/// <summary>Whether the compares held, and the store revision after the transaction.</summary>
public readonly record struct TxnResult(bool Succeeded, long Revision);
