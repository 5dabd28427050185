using System.Runtime;
using Weft.Linux.Processes;

namespace Weft.Agent.Host;

/// <summary>
/// Gives memory back while the agent is quiet (docs/decisions.md, "Footprint"). The GC keeps the regions a burst needed,
/// and between full collections an idle agent's small, steady garbage (lease renewals, probes) piles up in gen2 as
/// free space that stays resident. So every ten seconds it looks: when the GC's committed memory grew by more than
/// <see cref="Growth"/> since the last trim, and the last interval allocated little (quiet) or the last trim is a
/// minute old, it runs one compacting full collection that decommits what is free, and malloc_trim for the C heap.
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

    public static async Task RunAsync(CancellationToken stop)
    {
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
