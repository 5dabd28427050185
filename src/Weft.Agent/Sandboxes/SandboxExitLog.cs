using Microsoft.Extensions.Logging;
using Weft.Agent.Telemetry;
using Weft.Cluster;
using Weft.Linux.Processes;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// Logs the exit of every process of this host's sandboxes (`weft run -d`) while its sandbox still exists, through a
/// pidfd per process (no polling). A sandbox whose process exits keeps its network until `weft rm`, as a stopped Docker
/// container keeps its name; the log says which one and when. A process already gone when the agent starts is reported
/// then.
/// </summary>
public sealed class SandboxExitLog(ClusterView view, string hostId, ILogger log) : IDisposable
{
    private readonly ProcessExitWatcher _watcher = new();

    // Processes whose exit was reported: the watcher forgets a process once it exited (or at once, if it was gone when
    // asked), so without this every later change of the view would report the same exit again.
    private readonly HashSet<(int Pid, long StartTime)> _reported = [];
    private readonly Lock _lock = new();

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var seen = view.Version;
            if (view.Loaded)
            {
                Sync();
            }
            await view.WaitForChangeAsync(seen, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Sync()
    {
        var wanted = view.Current.Sandboxes.Values
            .Where(s => s.HostId == hostId && s.Pid is not null && s.PidStartTime is not null)
            .ToDictionary(s => (s.Pid!.Value, s.PidStartTime!.Value), s => s.Name);
        foreach (var gone in _watcher.Watched.Where(w => !wanted.ContainsKey(w)))
        {
            _watcher.Forget(gone.Pid, gone.StartTime); // removed: `weft rm` ends it on purpose
        }
        lock (_lock)
        {
            _reported.IntersectWith(wanted.Keys);
        }
        foreach (var ((pid, start), name) in wanted)
        {
            bool reported;
            lock (_lock)
            {
                reported = _reported.Contains((pid, start));
            }
            if (!reported)
            {
                _watcher.Watch(pid, start, () => Exited(name, pid, start));
            }
        }
    }

    private void Exited(string name, int pid, long start)
    {
        lock (_lock)
        {
            if (!_reported.Add((pid, start)))
            {
                return;
            }
        }
        // `weft rm` records the removal in the store (and this view) before it ends the process.
        if (view.Current.Sandboxes.TryGetValue(name, out var sandbox) && sandbox.Pid == pid)
        {
            AgentMeters.SandboxExits.Add(1);
            log.LogWarning("sandbox {Sandbox}: its process {Pid} exited; the sandbox keeps its network until `weft rm {Sandbox}`", name, pid, name);
        }
    }

    public void Dispose() => _watcher.Dispose();
}
