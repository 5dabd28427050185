using Weft.Core.Naming;
using Weft.DataPlane;
using Weft.Linux;
using Weft.Linux.Events;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Reconcile;

/// <summary>
/// Listens for changes in the namespaces this host's endpoints live in, and asks for a reconcile pass on each, so that
/// what is changed by hand is put right at once, not at the next resync:
/// <list type="bullet">
/// <item>in every overlay network's namespace: links, neighbours and FDB entries;</item>
/// <item>in every sandbox namespace whose interfaces Weft owns: links, addresses and routes;</item>
/// <item>the names of the network namespaces themselves: one that `ip netns del` removed, or that now leads to another
/// namespace, is reported as soon as the namespace directory or the mount table changes (unmounting raises no netlink
/// event; <see cref="NamespaceNamesWatch"/>), or within <see cref="NameCheckInterval"/> where inotify is not available.</item>
/// </list>
/// All of it sleeps in the process's one event thread: an idle host wakes the agent for none of it.
/// </summary>
public sealed class DriftWatch : IDisposable
{
    /// <summary>Without inotify, how often the network namespaces' names are compared with the namespaces watched: a stat each.</summary>
    public static readonly TimeSpan NameCheckInterval = TimeSpan.FromMilliseconds(250);

    private const EventGroups NetworkEvents = EventGroups.Links | EventGroups.Neighbors;

    /// <summary>Neighbour entries inside a sandbox come and go with its traffic; they are not Weft's.</summary>
    private const EventGroups SandboxEvents = EventGroups.Links | EventGroups.Addresses | EventGroups.Routes;

    private readonly Dictionary<string, Watched> _networks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Watched> _sandboxes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Timer _nameCheck;

    private bool _checkingNames;
    private NamespaceNamesWatch? _names;

    /// <summary>The names are checked only while there are networks to check, and only when a name or a mount changed.</summary>
    public DriftWatch() => _nameCheck = new Timer(_ => CheckNames());

    /// <summary>
    /// Watches exactly the namespaces of the overlay networks <paramref name="networks"/> (a change is reported with the
    /// network's name) and the sandbox namespaces <paramref name="sandboxes"/> (reported with the path).
    /// </summary>
    public void Follow(HostContext host, IReadOnlyList<string> networks, IReadOnlyCollection<string> sandboxes,
        Action<string> networkChanged, Action<string> sandboxChanged)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(sandboxes);
        var directory = host.NetnsDirectory ?? NetworkNamespace.DefaultRunDirectory;
        var wantedNetworks = networks.ToDictionary(n => Path.Combine(directory, KernelNames.NetworkNamespaceName(host.HostName, n)), n => (Action)(() => networkChanged(n)));
        var wantedSandboxes = sandboxes.ToDictionary(p => p, p => (Action)(() => sandboxChanged(p)));
        lock (_lock)
        {
            Sync(_networks, wantedNetworks, NetworkEvents);
            Sync(_sandboxes, wantedSandboxes, SandboxEvents);
            // Changed only when it flips: passes more frequent than the interval would otherwise keep postponing it.
            if (_checkingNames != _networks.Count > 0)
            {
                _checkingNames = _networks.Count > 0;
                WatchNames(directory);
            }
        }
    }

    /// <summary>
    /// Starts or stops watching the names (<see cref="_checkingNames"/>), with one comparison at the start: a name may
    /// have gone between the pass that built the network and the watch.
    /// </summary>
    private void WatchNames(string directory)
    {
        _names?.Dispose();
        _names = null;
        var period = Timeout.InfiniteTimeSpan;
        if (_checkingNames)
        {
            try
            {
                // The check runs on the thread pool: the event thread only hands over.
                _names = NamespaceNamesWatch.Start(directory, () => ThreadPool.QueueUserWorkItem(_ => CheckNames()));
            }
            catch (KernelException)
            {
                period = NameCheckInterval; // no inotify instance left: compare on a timer
            }
            _nameCheck.Change(_names is null ? period : TimeSpan.Zero, period);
        }
        else
        {
            _nameCheck.Change(period, period);
        }
    }

    private static void Sync(Dictionary<string, Watched> watched, Dictionary<string, Action> wanted, EventGroups groups)
    {
        foreach (var gone in watched.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
        {
            watched.Remove(gone, out var w);
            w!.Watcher.Dispose();
        }
        foreach (var (path, changed) in wanted.Where(w => !watched.ContainsKey(w.Key)))
        {
            try
            {
                using var ns = NetworkNamespace.OpenPath(path);
                var watcher = NetlinkWatcher.Start(groups, ns);
                watched[path] = new Watched(watcher, ns.Identity, changed);
                _ = PumpAsync(watcher, changed);
            }
            catch (KernelException)
            {
                // The namespace went away in between; the next pass decides again.
            }
        }
    }

    /// <summary>
    /// A network namespace whose name leads elsewhere now is reported, and its watcher let go: the watcher's socket would
    /// otherwise hold the old namespace alive. The next pass rebuilds the network and follows the new namespace.
    /// </summary>
    private void CheckNames()
    {
        List<Action> changed = [];
        lock (_lock)
        {
            foreach (var (path, w) in _networks.ToList())
            {
                if (NetworkNamespace.IdentityAt(path) != w.Identity)
                {
                    _networks.Remove(path);
                    w.Watcher.Dispose();
                    changed.Add(w.Changed);
                }
            }
        }
        foreach (var report in changed)
        {
            report();
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
        _nameCheck.Dispose();
        lock (_lock)
        {
            _names?.Dispose();
            _names = null;
            foreach (var w in _networks.Values.Concat(_sandboxes.Values))
            {
                w.Watcher.Dispose();
            }
            _networks.Clear();
            _sandboxes.Clear();
        }
    }

    private sealed record Watched(NetlinkWatcher Watcher, string Identity, Action Changed);
}
