using Microsoft.Extensions.Logging;
using Weft.Agent.Dns;
using Weft.Agent.Sandboxes;
using Weft.Cluster;
using Weft.Core.Naming;
using Weft.DataPlane;
using Weft.Linux;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Reconcile;

/// <summary>
/// Keeps this host's kernel equal to the desired state, level-triggered: every pass recomputes the plans
/// from the latest snapshot and lets the driver diff them against the kernel. Passes run when the cluster
/// view changes, when a Weft-owned kernel object changes (drift), when asked, and every resync interval.
/// While the store is unreachable the last snapshot keeps being enforced, so traffic keeps flowing.
/// </summary>
public sealed class Reconciler(
    ClusterView view,
    OverlayNetworkDriver driver,
    KernelLock kernelLock,
    DnsListeners dns,
    HostNamespace hostNamespace,
    string hostId,
    int underlayMtu,
    TimeSpan resyncInterval,
    ILogger<Reconciler> log) : IDisposable
{
    private readonly DriftWatch drift = new();
    private TaskCompletionSource _kick = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> ProgrammedNetworks { get; private set; } = [];

    public DateTimeOffset? LastPass { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Asks for a pass soon (a kernel event, an API change).</summary>
    public void Kick() => Volatile.Read(ref _kick).TrySetResult();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var seen = view.Version;
            // A fresh kick signal before the pass: a kick during the pass then ends the wait below at once.
            Volatile.Write(ref _kick, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (view.Loaded)
            {
                try
                {
                    await PassAsync(cancellationToken);
                    drift.Follow(driver.Host, ProgrammedNetworks, Kick);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // One bad pass must not stop the loop that keeps every other network right.
                    LastError = e.Message;
                    log.LogError(e, "reconcile pass failed; retrying");
                }
            }
            var changed = view.WaitForChangeAsync(seen, cancellationToken);
            var kicked = Volatile.Read(ref _kick).Task;
            await Task.WhenAny(changed, kicked, Task.Delay(resyncInterval, cancellationToken));
        }
    }

    /// <summary>One pass. The snapshot is read under the kernel lock, so it is never older than a change the API just made.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        using var held = await kernelLock.AcquireAsync(cancellationToken);
        var snapshot = view.Current;
        var plans = DesiredState.Plans(snapshot, hostId, underlayMtu);
        var errors = new List<string>();
        var total = new ApplyResult();
        foreach (var plan in plans)
        {
            try
            {
                total += plan.Network.Driver == Core.Model.NetworkDriver.Bridge ? BridgeNetworkDriver.Apply(plan) : driver.Apply(plan);
            }
            catch (KernelException e)
            {
                errors.Add($"network {plan.Network.Name}: {e.Message}");
            }
        }
        // Before anything is removed: a listener's sockets would keep a removed network's namespace alive.
        await dns.SyncAsync([.. plans.Select(p => p.Network)]);
        var wantedBridges = plans.Where(p => p.Network.Driver == Core.Model.NetworkDriver.Bridge).Select(p => KernelNames.LocalBridgeName(p.Network.Id)).ToHashSet();
        foreach (var bridge in BridgeNetworkDriver.ListBridges().Where(b => !wantedBridges.Contains(b)))
        {
            try
            {
                BridgeNetworkDriver.Remove(bridge);
                total += new ApplyResult(0, 1);
            }
            catch (KernelException e)
            {
                errors.Add($"remove bridge {bridge}: {e.Message}");
            }
        }
        var wanted = plans.Where(p => p.Network.Driver == Core.Model.NetworkDriver.Overlay).Select(p => p.Network.Name).ToHashSet();
        // Remove only what the store no longer wants. Without a complete view (store never reached) nothing is removed.
        foreach (var name in driver.ListProgrammed().Where(n => !wanted.Contains(n)))
        {
            var vni = snapshot.Networks.TryGetValue(name, out var n) ? n.Vni : null;
            try
            {
                driver.RemoveByName(name, vni);
                total += new ApplyResult(0, 1);
            }
            catch (KernelException e)
            {
                errors.Add($"remove network {name}: {e.Message}");
            }
        }
        if (view.StoreReachable)
        {
            RemoveOrphanSandboxNamespaces(snapshot, errors);
        }
        SyncHostNamespace(snapshot, errors);
        ProgrammedNetworks = [.. driver.ListProgrammed().Order(StringComparer.Ordinal)];
        LastPass = DateTimeOffset.UtcNow;
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

    public void Dispose() => drift.Dispose();

    /// <summary>
    /// The pin of the host's namespace exists while a sandbox of this host lives in it (put back if someone ran `ip
    /// netns delete` on it), and goes when none does, once the store confirms it. Only the pin: the namespace is the host's.
    /// </summary>
    private void SyncHostNamespace(ClusterSnapshot snapshot, List<string> errors)
    {
        try
        {
            if (HostNamespace.NeededBy(snapshot, hostId))
            {
                hostNamespace.Ensure();
            }
            else if (view.StoreReachable)
            {
                hostNamespace.Release();
            }
        }
        catch (KernelException e)
        {
            errors.Add($"host namespace pin {hostNamespace.Name}: {e.Message}");
        }
    }

    /// <summary>
    /// A sandbox namespace of this host whose record is gone (a crash between the two) is removed. Only names of the
    /// weftsb-{host}_{sandbox} form are candidates, so the host namespace's pin (weft-{host}) never is.
    /// </summary>
    private void RemoveOrphanSandboxNamespaces(ClusterSnapshot snapshot, List<string> errors)
    {
        var host = driver.Host;
        var known = snapshot.Sandboxes.Values.Where(s => s.HostId == hostId).Select(s => Path.GetFileName(s.NetworkNamespace)).ToHashSet();
        foreach (var ns in NetworkNamespace.List(host.RunDirectory))
        {
            if (KernelNames.TryParseSandboxNamespaceName(ns, out var h, out _) && h == host.HostName && !known.Contains(ns))
            {
                try
                {
                    NetworkNamespace.Delete(ns, host.RunDirectory);
                }
                catch (KernelException e)
                {
                    errors.Add($"remove orphan sandbox namespace {ns}: {e.Message}");
                }
            }
        }
    }
}
