namespace Weft.Store;

/// <summary>One key as stored: its value plus the revisions etcd keeps for it.</summary>
/// <param name="CreateRevision">Revision of the put that created this incarnation of the key.</param>
/// <param name="ModRevision">Revision of its last put.</param>
/// <param name="Version">Number of puts since it was created (1 after the first).</param>
/// <param name="Lease">Lease it is attached to, 0 for none.</param>
public sealed record KeyValue(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);

/// <summary>A prefix listing, consistent as of <see cref="Revision"/>; watch from Revision + 1 to follow it.</summary>
public sealed record ListResult(long Revision, IReadOnlyList<KeyValue> Items);

/// <summary>The outcome of a delete: the store revision afterwards and how many keys went away.</summary>
public readonly record struct DeleteResult(long Revision, long Deleted);

/// <summary>A granted lease.</summary>
public readonly record struct LeaseGrant(long Id, TimeSpan Ttl);
