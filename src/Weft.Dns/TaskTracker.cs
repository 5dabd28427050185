namespace Weft.Dns;

/// <summary>Background tasks a listener started (forwards, TCP connections), so disposal can wait for all of them.</summary>
internal sealed class TaskTracker
{
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _running = [];

    public void Run(Func<Task> work)
    {
        var task = Task.Run(work);
        lock (_lock)
        {
            _running.Add(task);
        }
        task.ContinueWith(t =>
        {
            lock (_lock)
            {
                _running.Remove(t);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for every tracked task; their failures are theirs to log, not the caller's to rethrow.</summary>
    public async Task DrainAsync()
    {
        Task[] running;
        lock (_lock)
        {
            running = [.. _running];
        }
        try
        {
            await Task.WhenAll(running);
        }
        catch (Exception)
        {
            // Each task logs what it throws; disposal must finish regardless.
        }
    }
}
