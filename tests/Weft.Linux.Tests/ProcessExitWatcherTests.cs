using System.Diagnostics;
using Weft.Linux.Processes;

namespace Weft.Linux.Tests;

/// <summary>Exits of processes, told through pidfds: when they happen, at once when already gone, never for a recycled pid.</summary>
public sealed class ProcessExitWatcherTests
{
    private static Process Sleep(string seconds) => Process.Start(new ProcessStartInfo("sleep", seconds) { UseShellExecute = false })!;

    [Fact]
    public async Task An_exit_is_told_once_when_it_happens()
    {
        using var watcher = new ProcessExitWatcher();
        using var sleeper = Sleep("0.5");
        var start = ProcessStat.Read(sleeper.Id)!.Value.StartTime;
        var exited = new TaskCompletionSource();
        var calls = 0;
        watcher.Watch(sleeper.Id, start, () =>
        {
            Interlocked.Increment(ref calls);
            exited.TrySetResult();
        });
        watcher.Watch(sleeper.Id, start, () => Interlocked.Increment(ref calls)); // the same process again: nothing more
        Assert.False(exited.Task.IsCompleted);
        Assert.Single(watcher.Watched);

        await exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        Assert.Equal(1, calls);
        Assert.Empty(watcher.Watched);
    }

    [Fact]
    public void A_process_already_gone_or_a_pid_with_another_start_time_is_told_at_once()
    {
        using var watcher = new ProcessExitWatcher();
        using var sleeper = Sleep("30");
        try
        {
            var start = ProcessStat.Read(sleeper.Id)!.Value.StartTime;
            var told = false;
            watcher.Watch(sleeper.Id, start - 1, () => told = true); // the pid now names another process
            Assert.True(told);
            Assert.Empty(watcher.Watched);
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
        var gone = false;
        watcher.Watch(sleeper.Id, 1, () => gone = true);
        Assert.True(gone);
    }

    [Fact]
    public async Task A_forgotten_process_is_not_told()
    {
        using var watcher = new ProcessExitWatcher();
        using var sleeper = Sleep("0.3");
        var start = ProcessStat.Read(sleeper.Id)!.Value.StartTime;
        var told = false;
        watcher.Watch(sleeper.Id, start, () => told = true);
        watcher.Forget(sleeper.Id, start);
        await sleeper.WaitForExitAsync();
        await Task.Delay(200);
        Assert.False(told);
        Assert.Empty(watcher.Watched);
    }
}
