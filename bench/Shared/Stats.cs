namespace Weft.Bench;

/// <summary>Order statistics over a handful of samples, as the benchmarks report them.</summary>
public static class Stats
{
    public static double Median(IEnumerable<double> samples) => Percentile(samples, 50);

    /// <summary>Nearest-rank percentile: with 30 samples p99 is the largest, which is what a reader expects.</summary>
    public static double Percentile(IEnumerable<double> samples, double percentile)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("no samples", nameof(samples));
        }
        if (percentile == 50 && sorted.Length % 2 == 0)
        {
            return (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
