using Weft.Core.Naming;
using Weft.DataPlane;
using Weft.Linux;
using Weft.Linux.Events;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Reconcile;

/// <summary>
/// Listens for link, neighbour and FDB changes in every network namespace this host programs, and asks for a
/// reconcile pass on each: an entry deleted or added by hand is put right at once, not at the next resync.
/// </summary>
public sealed class DriftWatch : IDisposable
{
    private readonly Dictionary<string, (NetlinkWatcher Watcher, Task Pump)> _watchers = [];

    /// <summary>Watches exactly the namespaces of the overlay networks <paramref name="networks"/>; a change is reported with the network's name.</summary>
    public void Follow(HostContext host, IReadOnlyList<string> networks, Action<string> changed)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(networks);
        var wanted = networks.ToDictionary(n => KernelNames.NetworkNamespaceName(host.HostName, n));
        foreach (var gone in _watchers.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
        {
            _watchers[gone].Watcher.Dispose();
            _watchers.Remove(gone);
        }
        foreach (var (name, network) in wanted.Where(w => !_watchers.ContainsKey(w.Key)))
        {
            try
            {
                using var ns = NetworkNamespace.Open(name, host.NetnsDirectory);
                var watcher = NetlinkWatcher.Start(EventGroups.Links | EventGroups.Neighbors, ns);
                _watchers[name] = (watcher, PumpAsync(watcher, () => changed(network)));
            }
            catch (KernelException)
            {
                // The namespace went away in between; the next pass decides again.
            }
        }
    }

    private static async Task PumpAsync(NetlinkWatcher watcher, Action changed)
    {
        try
        {
            await foreach (var _ in watcher.ReadAllAsync())
            {
                changed();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or KernelException)
        {
            // Watcher stopped.
        }
    }

    public void Dispose()
    {
        foreach (var (watcher, _) in _watchers.Values)
        {
            watcher.Dispose();
        }
        _watchers.Clear();
    }
}
