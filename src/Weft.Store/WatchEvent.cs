namespace Weft.Store;

/// <summary>What a watch event says.</summary>
public enum WatchEventKind
{
    /// <summary>A key was created or changed.</summary>
    Put,
    /// <summary>A key was deleted (explicitly, by prefix, or because its lease ended).</summary>
    Delete,
    /// <summary>
    /// History before <see cref="WatchEvent.Revision"/> is gone, so events the watch still owed are lost. The watch ends
    /// after this event; the caller must re-list and watch again from the listing's revision + 1.
    /// </summary>
    Compacted,
    /// <summary>The store cannot be reached; the watch keeps retrying. <see cref="WatchEvent.Reason"/> says why.</summary>
    Unavailable,
    /// <summary>The watch is connected again after <see cref="Unavailable"/>; nothing was missed.</summary>
    Resumed,
}

/// <summary>One item of a watch stream.</summary>
/// <param name="Revision">
/// Put/Delete: the revision of the change. Compacted: the oldest revision still available.
/// Unavailable/Resumed: the revision the watch resumes from.
/// </param>
/// <param name="Value">The new value for Put; empty otherwise.</param>
public sealed record WatchEvent(
    WatchEventKind Kind, string Key, byte[] Value, long Revision, long CreateRevision, long Version, long Lease, string? Reason)
{
    public static WatchEvent Put(string key, byte[] value, long revision, long createRevision, long version, long lease) =>
        new(WatchEventKind.Put, key, value, revision, createRevision, version, lease, null);

    public static WatchEvent Delete(string key, long revision) => new(WatchEventKind.Delete, key, [], revision, 0, 0, 0, null);

    public static WatchEvent Compacted(long compactRevision) =>
        new(WatchEventKind.Compacted, "", [], compactRevision, 0, 0, 0, "history was compacted; re-list");

    public static WatchEvent Unavailable(long resumeRevision, string reason) =>
        new(WatchEventKind.Unavailable, "", [], resumeRevision, 0, 0, 0, reason);

    public static WatchEvent Resumed(long resumeRevision) => new(WatchEventKind.Resumed, "", [], resumeRevision, 0, 0, 0, null);

    /// <summary>True for Put and Delete, the events that describe data.</summary>
    public bool IsChange => Kind is WatchEventKind.Put or WatchEventKind.Delete;

    /// <summary>
    /// True on the last change of its revision: every change of one transaction shares a revision, and only after this
    /// one has a follower seen the whole transaction. A view that claimed the revision earlier would show half of it.
    /// </summary>
    public bool EndsRevision { get; init; }
}
