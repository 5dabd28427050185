using Microsoft.Extensions.Logging;
using Weft.Agent.Dns;
using Weft.Agent.Endpoints;
using Weft.Agent.Kernel;
using Weft.Agent.State;
using Weft.Agent.Telemetry;
using Weft.Cluster;
using Weft.DataPlane;
using Weft.Linux;
using Weft.Linux.Firewall;

namespace Weft.Agent.Reconcile;

/// <summary>
/// Keeps this host's kernel equal to the desired state, level-triggered: every pass recomputes the plans from the latest
/// snapshot and lets each network's driver diff its plan against the kernel. Passes run when the cluster view changes,
/// when a Weft-owned kernel object changes (drift), when asked, and every resync interval. While the store is
/// unreachable the last snapshot keeps being enforced, so traffic keeps flowing.
/// </summary>
/// <remarks>
/// A pass applies only the networks whose plan differs from the one last applied, or whose namespace reported a change;
/// the resync applies every network. So a burst of store events or of the kernel events that an API call's own work
/// raises costs a comparison, not a walk over every network's kernel state.
/// </remarks>
public sealed class Reconciler(
    ClusterView view,
    NetworkDriverRegistry drivers,
    KernelLock kernelLock,
    DnsListeners dns,
    IntentJournal intents,
    string hostId,
    TimeSpan resyncInterval,
    TimeSpan linger,
    Task peersDecided,
    ILogger<Reconciler> log) : IDisposable
{
    /// <summary>How long drift events are gathered before a pass: one pass for the burst an attach raises.</summary>
    private static readonly TimeSpan DriftSettle = TimeSpan.FromMilliseconds(20);

    /// <summary>A bound on the first pass's wait for the peer probe's verdicts, which take about three probe rounds at most.</summary>
    private static readonly TimeSpan PeersDecidedPatience = TimeSpan.FromSeconds(10);

    private readonly DriftWatch _drift = new();
    private readonly EdgeFirewall _firewall = new();
    private int _firewallDrifted;
    private readonly Dictionary<string, NetworkPlan> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _idleSince = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtySandboxes = new(StringComparer.Ordinal);
    private readonly Lock _dirtyLock = new();
    private HashSet<string> _lastWanted = [];
    private HashSet<string> _ownedSandboxes = [];
    private TaskCompletionSource _kick = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstPass = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _nextResync = DateTimeOffset.MinValue;
    private int _kickPending;

    public IReadOnlyList<string> ProgrammedNetworks { get; private set; } = [];

    public DateTimeOffset? LastPass { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Completes when the first pass has run (the view was loaded and compared with the kernel): systemd's readiness.</summary>
    public Task FirstPass => _firstPass.Task;

    /// <summary>Remote endpoints programmed as of the last pass: each is one static FDB and one neighbour entry.</summary>
    public long RemoteEntries { get; private set; }

    /// <summary>Asks for a pass soon (an API change, a test).</summary>
    public void Kick() => Volatile.Read(ref _kick).TrySetResult();

    /// <summary>A network's namespace reported a change: check that network in the next pass.</summary>
    private void Drifted(string networkName) => Drifted(_dirty, networkName);

    /// <summary>A sandbox's namespace reported a change: check the sandbox side of its endpoints in the next pass.</summary>
    private void SandboxDrifted(string namespacePath) => Drifted(_dirtySandboxes, namespacePath);

    private void Drifted(HashSet<string> dirty, string key)
    {
        lock (_dirtyLock)
        {
            dirty.Add(key);
        }
        KickSoon();
    }

    /// <summary>
    /// The kernel announced a change to Weft's firewall table or to Weft's rules in Docker's chain (by hand, by another
    /// program, or Weft's own write): compare both with the kernel in the next pass.
    /// </summary>
    /// <remarks>
    /// Weft's own writes are announced too, and end here. That does not loop: the pass they cause reads the table, finds it
    /// equal to the wanted one and writes nothing, so nothing more is announced (reading raises no notification). One
    /// extra read per write, gathered with the burst by <see cref="DriftSettle"/>.
    /// </remarks>
    private void FirewallDrifted()
    {
        Volatile.Write(ref _firewallDrifted, 1);
        KickSoon();
    }

    /// <summary>A pass after <see cref="DriftSettle"/>: the events that arrive meanwhile share it.</summary>
    private void KickSoon()
    {
        if (Interlocked.Exchange(ref _kickPending, 1) == 0)
        {
            _ = Task.Delay(DriftSettle).ContinueWith(_ =>
            {
                Volatile.Write(ref _kickPending, 0);
                Kick();
            }, TaskScheduler.Default);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var firewallEvents = WatchFirewall();
        while (!cancellationToken.IsCancellationRequested)
        {
            var seen = view.Version;
            // A fresh kick signal before the pass: a kick during the pass then ends the wait below at once.
            Volatile.Write(ref _kick, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (view.Loaded)
            {
                if (!_firstPass.Task.IsCompleted)
                {
                    // Until the peers whose lease is gone have a verdict, the kernel stays as it is (a restart changes nothing).
                    await peersDecided.WaitAsync(PeersDecidedPatience, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                try
                {
                    await PassAsync(cancellationToken);
                    _drift.Follow(drivers.Host, ProgrammedNetworks, _ownedSandboxes, Drifted, SandboxDrifted);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // One bad pass must not stop the loop that keeps every other network right.
                    LastError = e.Message;
                    AgentMeters.ReconcileErrors.Add(1);
                    log.LogError(e, "reconcile pass failed; retrying");
                }
                _firstPass.TrySetResult();
            }
            var changed = view.WaitForChangeAsync(seen, cancellationToken);
            var kicked = Volatile.Read(ref _kick).Task;
            var resync = NextWake() - DateTimeOffset.UtcNow;
            await Task.WhenAny(changed, kicked, Task.Delay(resync > TimeSpan.Zero ? resync : TimeSpan.Zero, cancellationToken));
        }
    }

    /// <summary>One pass. The snapshot is read under the kernel lock, so it is never older than a change the API just made.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        using var held = await kernelLock.AcquireAsync(cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var snapshot = view.Current;
        var full = DateTimeOffset.UtcNow >= _nextResync;
        if (full)
        {
            _nextResync = DateTimeOffset.UtcNow + resyncInterval;
        }
        HashSet<string> dirty, dirtySandboxes;
        lock (_dirtyLock)
        {
            dirty = [.. _dirty];
            _dirty.Clear();
            dirtySandboxes = [.. _dirtySandboxes];
            _dirtySandboxes.Clear();
        }
        var plans = WithLingering(DesiredState.Plans(snapshot, hostId, intents.SettlingSandboxes), snapshot);
        var errors = new List<string>();
        var total = new ApplyResult();
        foreach (var plan in plans)
        {
            var id = plan.Network.Id;
            var last = _applied.GetValueOrDefault(id);
            if (full || dirty.Contains(plan.Network.Name) || last is null || !Same(last, plan))
            {
                try
                {
                    total += drivers.For(plan.Network).Apply(plan);
                    _applied[id] = plan;
                }
                catch (Exception e) when (e is KernelException or AggregateException)
                {
                    _applied.Remove(id); // applied again next pass, whatever the plan then
                    errors.Add($"network {plan.Network.Name}: {e.Message}");
                }
            }
            total += EnsureSandboxSides(plan, last, full, dirtySandboxes, errors);
        }
        _ownedSandboxes = [.. plans.SelectMany(OwnedSandboxSides).Select(l => l.NamespacePath)];
        total += ApplyFirewall(snapshot, plans, full, errors);
        // Before anything is removed: a listener's sockets would keep a removed network's namespace alive.
        await dns.SyncAsync([.. plans.Select(p => p.Network)]);
        var wanted = plans.Select(p => $"{p.Network.Driver}/{drivers.For(p.Network).BuiltName(p.Network)}").ToHashSet(StringComparer.Ordinal);
        if (full || !wanted.SetEquals(_lastWanted))
        {
            total += RemoveUnwanted(wanted, errors);
            _lastWanted = wanted;
            foreach (var gone in _applied.Keys.Where(id => !plans.Any(p => p.Network.Id == id)).ToList())
            {
                _applied.Remove(gone);
            }
        }
        ProgrammedNetworks = [.. plans.Where(p => p.Network.Driver == Core.Model.NetworkDriver.Overlay).Select(p => p.Network.Name).Order(StringComparer.Ordinal)];
        RemoteEntries = _applied.Values.Where(p => p.Network.Driver == Core.Model.NetworkDriver.Overlay).Sum(p => (long)p.Remote.Count);
        LastPass = DateTimeOffset.UtcNow;
        AgentMeters.ReconcilePasses.Add(1);
        AgentMeters.ReconcileErrors.Add(errors.Count);
        AgentMeters.ReconcileDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        AgentMeters.KernelChanges.Add(total.Added, new KeyValuePair<string, object?>("op", "added"));
        AgentMeters.KernelChanges.Add(total.Removed, new KeyValuePair<string, object?>("op", "removed"));
        LastError = errors.Count == 0 ? null : string.Join("; ", errors);
        if (total.Changed)
        {
            log.LogInformation("reconciled: {Added} added, {Removed} removed across {Networks} network(s)", total.Added, total.Removed, plans.Count);
        }
        foreach (var e in errors)
        {
            log.LogWarning("reconcile: {Error}", e);
        }
    }

    /// <summary>
    /// Puts back the sandbox side of the plan's endpoints whose sandbox reported a change, that are new or changed in the
    /// plan (a default route that moved to this network, say), or all of them on a full pass: after a restart, and should
    /// an event have been lost.
    /// </summary>
    private ApplyResult EnsureSandboxSides(NetworkPlan plan, NetworkPlan? last, bool full, HashSet<string> dirtySandboxes, List<string> errors)
    {
        var total = new ApplyResult();
        var driver = drivers.For(plan.Network);
        foreach (var local in OwnedSandboxSides(plan))
        {
            if (!full && !dirtySandboxes.Contains(local.NamespacePath) && last?.Local.Contains(local) == true)
            {
                continue;
            }
            try
            {
                var repaired = driver.EnsureSandboxSide(plan, local);
                if (repaired.Changed)
                {
                    log.LogInformation("repaired {Interface} of sandbox {Namespace} on network {Network}", local.Endpoint.InterfaceName, local.NamespacePath, plan.Network.Name);
                }
                total += repaired;
            }
            catch (KernelException e)
            {
                errors.Add($"network {plan.Network.Name}: sandbox {local.NamespacePath} {local.Endpoint.InterfaceName}: {e.Message}");
            }
        }
        return total;
    }

    /// <summary>The plan's endpoints whose sandbox side Weft keeps, in namespaces of their own (a host network's is the host's).</summary>
    private IEnumerable<LocalEndpoint> OwnedSandboxSides(NetworkPlan plan) =>
        drivers.For(plan.Network).SharedNamespacePath(plan.Network) is null ? plan.Local.Where(l => l.OwnsSandboxSide) : [];

    /// <summary>
    /// Weft's firewall table, from the networks built here and the published ports of local sandboxes: compared with the
    /// kernel on a full pass, after a change to the table was seen, and whenever what it should hold changed.
    /// </summary>
    private ApplyResult ApplyFirewall(Cluster.ClusterSnapshot snapshot, IReadOnlyList<NetworkPlan> plans, bool full, List<string> errors)
    {
        var verify = full || Interlocked.Exchange(ref _firewallDrifted, 0) == 1;
        try
        {
            var (egress, ports) = DesiredState.Edge(snapshot, hostId, plans, drivers, intents.SettlingSandboxes);
            return _firewall.Apply(EdgeRules.Render(egress, ports), verify);
        }
        catch (KernelException e)
        {
            errors.Add($"firewall: {e.Message}");
            return default;
        }
    }

    /// <summary>
    /// Subscribes to the nftables notifications of the agent's namespace (the host's), where Weft's table lives; without
    /// them (no CAP_NET_ADMIN, say) the resync still verifies the table, only later.
    /// </summary>
    private NftablesMonitor? WatchFirewall()
    {
        try
        {
            return NftablesMonitor.Start(EdgeFirewall.Watched, FirewallDrifted);
        }
        catch (KernelException e)
        {
            log.LogWarning("cannot watch nftables for changes ({Error}): Weft's firewall rules are verified on the resync only", e.Message);
            return null;
        }
    }

    /// <summary>
    /// The plans, and those of networks that lost their last local endpoint less than the linger ago (with no local
    /// endpoint: their remote entries stay right, nothing else is plugged in), on drivers that linger.
    /// </summary>
    private List<NetworkPlan> WithLingering(IReadOnlyList<NetworkPlan> plans, ClusterSnapshot snapshot)
    {
        var now = DateTimeOffset.UtcNow;
        var all = new List<NetworkPlan>(plans);
        var used = plans.Select(p => p.Network.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in used)
        {
            _idleSince.Remove(id);
        }
        foreach (var id in _applied.Keys.Where(id => !used.Contains(id)).ToList())
        {
            if (snapshot.NetworkById(id) is not { } network || !drivers.For(network).LingersWhenIdle)
            {
                continue;
            }
            var since = _idleSince.TryGetValue(id, out var s) ? s : _idleSince[id] = now;
            if (now - since < linger)
            {
                all.Add(DesiredState.PlanFor(snapshot, network, hostId, intents.SettlingSandboxes));
            }
        }
        foreach (var gone in _idleSince.Keys.Where(id => !all.Any(p => p.Network.Id == id)).ToList())
        {
            _idleSince.Remove(gone);
        }
        return all;
    }

    /// <summary>The next resync, or sooner when an idle network's linger ends.</summary>
    private DateTimeOffset NextWake() =>
        _idleSince.Count == 0 ? _nextResync : new[] { _nextResync, _idleSince.Values.Min() + linger }.Min();

    /// <summary>
    /// Removes what a driver built for a network no local endpoint uses any more. Only what the store no longer wants:
    /// the reconciler runs only once the view is complete, so a store never reached never makes it remove anything.
    /// </summary>
    private ApplyResult RemoveUnwanted(HashSet<string> wanted, List<string> errors)
    {
        var removed = 0;
        foreach (var driver in drivers.All)
        {
            foreach (var built in driver.ListBuilt().Where(b => !wanted.Contains($"{driver.Kind}/{b}")))
            {
                try
                {
                    driver.Remove(built);
                    removed++;
                }
                catch (KernelException e)
                {
                    errors.Add($"remove {driver.Kind.ToString().ToLowerInvariant()} {built}: {e.Message}");
                }
            }
        }
        return new ApplyResult(0, removed);
    }

    /// <summary>Whether two plans ask the same of the kernel (records are the same instances while the store did not rewrite them).</summary>
    private static bool Same(NetworkPlan a, NetworkPlan b) =>
        a.Network.Equals(b.Network) && a.Local.SequenceEqual(b.Local) && a.Remote.SequenceEqual(b.Remote);

    public void Dispose() => _drift.Dispose();
}
