using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using Weft.Linux.Events;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.Bench.Convergence;

/// <summary>
/// When did host B's overlay namespace get (and lose) the static entries for a remote sandbox? Subscribed to the
/// kernel's neighbour notifications there (FDB entries come on the same group), so nothing is polled: each event
/// is stamped as it is read. Weft and Docker both program a permanent neighbour entry (IP → MAC, what proxy ARP
/// answers from) and an FDB entry on the VXLAN device (MAC → remote VTEP).
/// </summary>
internal sealed class EntryWatch : IAsyncDisposable
{
    private readonly NetworkNamespace _namespace;
    private readonly NetlinkWatcher _watcher;
    private readonly Task _reader;
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, (long At, PhysicalAddress Mac)> _neighborAdded = [];
    private readonly Dictionary<IPAddress, long> _neighborDeleted = [];
    private readonly Dictionary<PhysicalAddress, long> _fdbAdded = [];

    private EntryWatch(NetworkNamespace ns, NetlinkWatcher watcher)
    {
        _namespace = ns;
        _watcher = watcher;
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>Subscribes in the namespace at <paramref name="namespacePath"/>; events after this returns are seen.</summary>
    public static EntryWatch Start(string namespacePath)
    {
        var ns = NetworkNamespace.OpenPath(namespacePath);
        try
        {
            return new EntryWatch(ns, NetlinkWatcher.Start(EventGroups.Neighbors, ns));
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits (up to <paramref name="limit"/>) until both entries for <paramref name="address"/> are there; returns
    /// the timestamps at which each first appeared, null for one that did not.
    /// </summary>
    public async Task<(long? Neighbor, long? Fdb)> WaitForEntriesAsync(IPAddress address, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            (long? Neighbor, long? Fdb) seen;
            lock (_lock)
            {
                seen = _neighborAdded.TryGetValue(address, out var n)
                    ? (n.At, _fdbAdded.TryGetValue(n.Mac, out var f) ? f : null)
                    : (null, null);
            }
            if ((seen.Neighbor is not null && seen.Fdb is not null) || clock.Elapsed > limit)
            {
                return seen;
            }
            await Task.Delay(5, ct);
        }
    }

    /// <summary>Waits (up to <paramref name="limit"/>) until the neighbour entry for <paramref name="address"/> is removed; false if it was not.</summary>
    public async Task<bool> WaitForRemovalAsync(IPAddress address, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            lock (_lock)
            {
                if (_neighborDeleted.ContainsKey(address))
                {
                    return true;
                }
            }
            await Task.Delay(10, ct);
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _watcher.DisposeAsync();
        await _reader;
        _namespace.Dispose();
    }

    private async Task ReadAsync()
    {
        await foreach (var e in _watcher.ReadAllAsync())
        {
            var at = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                switch (e)
                {
                    // A resolved entry only: the kernel also reports FAILED and INCOMPLETE states on the way out.
                    case NeighborEvent { Change: ChangeKind.NewOrChanged, Neighbor: { MacAddress: { } mac } n } when IsResolved(n.State):
                        _neighborAdded.TryAdd(n.Address, (at, mac));
                        break;
                    case NeighborEvent { Change: ChangeKind.Deleted, Neighbor: var n } when _neighborAdded.ContainsKey(n.Address):
                        _neighborDeleted.TryAdd(n.Address, at);
                        break;
                    // Remote entries carry the VTEP; the bridge's own learned entries do not.
                    case FdbEvent { Change: ChangeKind.NewOrChanged, Entry: { Destination: not null } f }:
                        _fdbAdded.TryAdd(f.MacAddress, at);
                        break;
                    default:
                        break;
                }
            }
        }
    }

    private static bool IsResolved(NeighborState state) =>
        (state & (NeighborState.Permanent | NeighborState.NoArp | NeighborState.Reachable | NeighborState.Stale | NeighborState.Delay | NeighborState.Probe)) != 0;
}
