using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// Follows the whole cluster with one watch (DESIGN: one watch per agent) and keeps the latest
/// <see cref="ClusterSnapshot"/>. Re-lists when history was compacted and every <see cref="RelistInterval"/>,
/// so a missed event can never leave the view wrong for long. Consumers wait for a newer version and read
/// <see cref="Current"/>: bursts of events coalesce into one wake-up.
/// </summary>
public sealed class ClusterView
{
    private readonly IClusterStore _store;
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClusterSnapshot _current = ClusterSnapshot.Empty;
    private long _version;
    // Why the store counts as unreachable, per witness: the watch (it reported an outage, or a listing failed) and the
    // probe (StoreProbe: a write-path check that must answer within a deadline). Null: that witness is content.
    private string? _watchError;
    private string? _probeError;

    public ClusterView(IClusterStore store, TimeSpan? relistInterval = null)
    {
        _store = store;
        RelistInterval = relistInterval ?? TimeSpan.FromSeconds(60);
    }

    public TimeSpan RelistInterval { get; }

    /// <summary>The store followed, as it is safe to log.</summary>
    public string Location => _store.Location;

    public ClusterSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Bumped on every published change.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>
    /// The cluster id this view must find in the store (<see cref="ClusterIdentity"/>); null: not checked. A listing or
    /// watch event that shows another id, or none, is never applied: the store is then reported unreachable and the view
    /// keeps the last state of its own cluster, so an emptied or replaced store cannot make the agent remove anything.
    /// </summary>
    public string? ClusterId { get; set; }

    /// <summary>
    /// False while the store cannot be reached: its watch reports an outage, a listing failed, or the probe got no
    /// answer in time (a hung or partitioned store keeps its connections open). The view then holds the last state seen.
    /// </summary>
    public bool StoreReachable => _watchError is null && _probeError is null;

    public string? StoreError => _probeError ?? _watchError;

    /// <summary>When <see cref="StoreReachable"/> last changed (or the view was made).</summary>
    public DateTimeOffset StoreReachableSince { get; private set; } = TimeProvider.System.GetUtcNow();

    /// <summary>
    /// Why a request to the store would only wait for its timeout now, naming since when; null while it answers. What
    /// <see cref="FailFastClusterStore"/> refuses the agent's operations with.
    /// </summary>
    public string? UnreachableReason()
    {
        lock (_gate)
        {
            return StoreReachable ? null
                : $"it has not answered since {StoreReachableSince.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}Z: {StoreError}";
        }
    }

    /// <summary>The probe's verdict (<see cref="StoreProbe"/>): null when the store answered in time, else why not.</summary>
    public void ReportProbe(string? error) => SetHealth(() => _probeError = error);

    /// <summary>True once a first listing succeeded.</summary>
    public bool Loaded { get; private set; }

    /// <summary>Completes when <see cref="Version"/> moves past <paramref name="seenVersion"/>.</summary>
    public Task WaitForChangeAsync(long seenVersion, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_version != seenVersion)
            {
                return Task.CompletedTask;
            }
            wait = _changed.Task;
        }
        return wait.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Waits until the view holds <paramref name="revision"/> (a write's own, say), so a writer's next read sees what it
    /// wrote without listing the store again. The watch normally gets there in a millisecond or two; only when it has
    /// not within <paramref name="patience"/> (the watch stalled, or the store answers writes but not watches) is the
    /// store listed once instead.
    /// </summary>
    public Task<ClusterSnapshot> WaitForRevisionAsync(long revision, CancellationToken cancellationToken, TimeSpan? patience = null) =>
        WaitUntilAsync(s => s.Revision >= revision, cancellationToken, patience);

    /// <summary>
    /// A read that sees every write the store had committed when it was asked, whichever host made it: the store's current
    /// revision is asked for (an empty listing, nothing transferred), and the view is awaited up to it. While the store is
    /// unreachable the last state seen is returned instead, as every read of the view would.
    /// </summary>
    public async Task<ClusterSnapshot> FreshAsync(CancellationToken cancellationToken)
    {
        long revision;
        if (!StoreReachable && Loaded)
        {
            return Current; // asking would only wait for the store's timeout; the caller learns the answer is stale
        }
        try
        {
            revision = (await _store.ListAsync(ClusterKeys.RevisionProbe, cancellationToken)).Revision;
        }
        catch (StoreException) when (Loaded)
        {
            return Current;
        }
        return await WaitForRevisionAsync(revision, cancellationToken);
    }

    /// <summary>As <see cref="WaitForRevisionAsync"/>, for a write whose revision the caller does not know: until the view shows it.</summary>
    public async Task<ClusterSnapshot> WaitUntilAsync(Func<ClusterSnapshot, bool> holds, CancellationToken cancellationToken, TimeSpan? patience = null)
    {
        ArgumentNullException.ThrowIfNull(holds);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(patience ?? TimeSpan.FromSeconds(2));
        try
        {
            while (true)
            {
                var seen = Version;
                if (holds(Current))
                {
                    return Current;
                }
                await WaitForChangeAsync(seen, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var listing = await _store.ListAsync(ClusterKeys.Root, cancellationToken);
            CheckIdentity(listing);
            Publish(ClusterSnapshot.FromListing(listing));
            Loaded = true;
            return Current;
        }
    }

    /// <summary>Runs until cancelled: list, watch, re-list on compaction or timer, retry while the store is down.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var listing = await _store.ListAsync(ClusterKeys.Root, cancellationToken);
                CheckIdentity(listing);
                SetReachable(true, null);
                Publish(ClusterSnapshot.FromListing(listing));
                Loaded = true;
                await FollowAsync(listing.Revision + 1, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // Whatever went wrong (store down, a malformed answer), keep the last view and try again.
                SetReachable(false, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Applies watch events until the re-list timer fires or history is compacted.</summary>
    private async Task FollowAsync(long fromRevision, CancellationToken cancellationToken)
    {
        using var relist = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        relist.CancelAfter(RelistInterval);
        try
        {
            await foreach (var e in _store.WatchAsync(ClusterKeys.Root, fromRevision, relist.Token))
            {
                switch (e.Kind)
                {
                    case WatchEventKind.Compacted:
                        return;
                    case WatchEventKind.Unavailable:
                        SetReachable(false, e.Reason);
                        break;
                    case WatchEventKind.Resumed:
                        SetReachable(true, null);
                        break;
                    default:
                        if (ClusterId is { } id && e.Key == ClusterKeys.ClusterId && (e.Kind == WatchEventKind.Delete || System.Text.Encoding.UTF8.GetString(e.Value) != id))
                        {
                            throw NotThisCluster(e.Kind == WatchEventKind.Delete ? null : System.Text.Encoding.UTF8.GetString(e.Value));
                        }
                        lock (_gate)
                        {
                            // A refresh may already have published a later revision; never step back. Events of one
                            // transaction share a revision, and re-applying one the listing already held is harmless.
                            if (e.Revision >= _current.Revision)
                            {
                                PublishLocked(_current.Apply(e));
                            }
                        }
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (relist.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Time for the periodic re-list.
        }
    }

    /// <summary>Throws unless the listing holds this view's cluster id (when it has one to check).</summary>
    private void CheckIdentity(ListResult listing)
    {
        if (ClusterId is not { } id)
        {
            return;
        }
        var stored = listing.Items.FirstOrDefault(k => k.Key == ClusterKeys.ClusterId) is { } kv ? System.Text.Encoding.UTF8.GetString(kv.Value) : null;
        if (stored != id)
        {
            throw NotThisCluster(stored);
        }
    }

    private StoreUnavailableException NotThisCluster(string? stored) => new(Location, stored is null
        ? $"the store no longer holds cluster {ClusterId} (it has no cluster id: emptied, deleted or replaced); keeping the last state of the cluster"
        : $"the store holds cluster {stored}, not this agent's cluster {ClusterId}; keeping the last state of the cluster");

    private void SetReachable(bool reachable, string? error) => SetHealth(() => _watchError = reachable ? null : error ?? "the store does not answer");

    private void SetHealth(Action change)
    {
        lock (_gate)
        {
            var (wasReachable, wasError) = (StoreReachable, StoreError);
            change();
            if (StoreReachable == wasReachable && StoreError == wasError)
            {
                return;
            }
            if (StoreReachable != wasReachable)
            {
                StoreReachableSince = TimeProvider.System.GetUtcNow();
            }
            PublishLocked(_current);
        }
    }

    /// <summary>
    /// Sets which lease-less hosts stay programmed (<see cref="ClusterSnapshot.HeldHosts"/>), as this host's probes of their
    /// underlay addresses decide; publishes only a change.
    /// </summary>
    /// <param name="held">Given the current snapshot (under the view's lock, so a lease deletion arriving meanwhile is never lost).</param>
    public void SetHeld(Func<ClusterSnapshot, IEnumerable<string>> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        lock (_gate)
        {
            var next = _current.WithHeld(held(_current));
            if (!ReferenceEquals(next, _current))
            {
                PublishLocked(next);
            }
        }
    }

    /// <summary>Publishes a listing unless a later one is already out: the view never steps back, and keeps holding whom it held.</summary>
    private void Publish(ClusterSnapshot snapshot)
    {
        lock (_gate)
        {
            if (snapshot.Revision >= _current.Revision)
            {
                PublishLocked(snapshot.Following(_current));
            }
        }
    }

    private void PublishLocked(ClusterSnapshot snapshot)
    {
        Volatile.Write(ref _current, snapshot);
        _version++;
        var done = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.TrySetResult();
    }
}
