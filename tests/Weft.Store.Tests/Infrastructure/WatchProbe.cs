using System.Diagnostics;

namespace Weft.Store.Tests.Infrastructure;

/// <summary>
/// Runs a watch in the background and records everything it yields, so a test can wait for a condition with a
/// generous liveness timeout and then assert on the exact sequence.
/// </summary>
public sealed class WatchProbe : IAsyncDisposable
{
    private readonly List<WatchEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    private WatchProbe(IClusterStore store, string prefix, long fromRevision)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in store.WatchAsync(prefix, fromRevision, _stop.Token))
                {
                    lock (_events) _events.Add(e);
                }
                Completed = true;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                Error = e;
            }
        });
    }

    public bool Completed { get; private set; }

    public Exception? Error { get; private set; }

    public static WatchProbe Start(IClusterStore store, string prefix, long fromRevision) => new(store, prefix, fromRevision);

    public List<WatchEvent> Events
    {
        get
        {
            lock (_events) return [.. _events];
        }
    }

    public List<WatchEvent> Changes => [.. Events.Where(e => e.IsChange)];

    public async Task<List<WatchEvent>> WaitAsync(Func<List<WatchEvent>, bool> condition, string what, double timeoutSeconds = 20)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var events = Events;
            if (condition(events)) return events;
            if (Error is not null) throw new InvalidOperationException($"watch failed while waiting for {what}", Error);
            if (clock.Elapsed.TotalSeconds > timeoutSeconds)
                throw new TimeoutException($"watch: no {what} after {timeoutSeconds} s; got {events.Count} events: " +
                    string.Join(", ", events.Select(e => $"{e.Kind}:{e.Key}@{e.Revision}")));
            await Task.Delay(20);
        }
    }

    public Task<List<WatchEvent>> WaitForChangesAsync(int count, double timeoutSeconds = 20) =>
        WaitAsync(e => e.Count(x => x.IsChange) >= count, $"{count} changes", timeoutSeconds);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }
}
