using System.Runtime;
using Weft.Linux.Processes;

namespace Weft.Agent.Host;

/// <summary>
/// Gives memory back while the agent is quiet (docs/decisions.md, "Footprint"). The GC keeps the regions a burst needed,
/// and between full collections an idle agent's small, steady garbage (lease renewals, probes) piles up in gen2 as
/// free space that stays resident. So every ten seconds it looks: when the GC's committed memory grew by more than
/// <see cref="Growth"/> since the last trim, and the last interval allocated little (quiet) or the last trim is a
/// minute old, it runs one compacting full collection that decommits what is free, and malloc_trim for the C heap.
/// At the first quiet tick after start-up or after a busy one (at most once per <see cref="ExecutableRelease"/>), it
/// also unmaps the executable's read-only pages, which the work touched and the kernel's fault-around inflated
/// (<see cref="ExecutablePages"/>): what the agent runs at rest maps itself back.
/// A busy agent is interrupted at most once a minute, for milliseconds; an idle one pays a timer reading two counters.
/// </summary>
internal static class IdleMemoryTrim
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>At most this much allocated in one interval counts as quiet (an idle agent allocates far less).</summary>
    public const long QuietBytes = 1 << 20;

    /// <summary>Committed memory may grow by this much over what the last trim left before the next one.</summary>
    public const long Growth = 4 << 20;

    /// <summary>However busy the agent, a trim this long after the last one (a steady trickle may never look quiet).</summary>
    public static readonly TimeSpan MaxQuietWait = TimeSpan.FromMinutes(1);

    /// <summary>How often, at most, the executable's pages are unmapped (each time, what runs maps itself back: ~1 ms of faults).</summary>
    public static readonly TimeSpan ExecutableRelease = TimeSpan.FromMinutes(1);

    public static async Task RunAsync(CancellationToken stop)
    {
        System.Diagnostics.Stopwatch? lastRelease = null;
        var releaseDue = true; // start-up ran much that the agent at rest never runs again
        var allocated = GC.GetTotalAllocatedBytes();
        var baseline = 0L;
        var lastTrim = System.Diagnostics.Stopwatch.StartNew();
        using var timer = new PeriodicTimer(Interval);
        while (await TickAsync(timer, stop))
        {
            var now = GC.GetTotalAllocatedBytes();
            var quiet = now - allocated <= QuietBytes;
            allocated = now;
            if ((quiet || lastTrim.Elapsed >= MaxQuietWait) && GC.GetGCMemoryInfo().TotalCommittedBytes > baseline + Growth)
            {
                Trim();
                lastTrim.Restart();
                baseline = GC.GetGCMemoryInfo().TotalCommittedBytes;
                allocated = GC.GetTotalAllocatedBytes();
            }
            releaseDue |= !quiet;
            if (quiet && releaseDue && (lastRelease is null || lastRelease.Elapsed >= ExecutableRelease))
            {
                ExecutablePages.ReleaseReadOnly();
                lastRelease = System.Diagnostics.Stopwatch.StartNew();
                releaseDue = false;
            }
        }
    }

    private static async Task<bool> TickAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    private static void Trim()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
    }
}
