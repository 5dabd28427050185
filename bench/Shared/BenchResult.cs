using System.Globalization;

namespace Weft.Bench;

/// <summary>
/// The one line every benchmark ends with, so that scripts and issue notes can read any of them the same way:
/// <c>RESULT NAME metric=&lt;what&gt; weft=&lt;value&gt; peer=&lt;value&gt; ratio=&lt;r&gt;</c>, where ratio &gt; 1 means Weft is better.
/// </summary>
public static class BenchResult
{
    /// <summary>Prints the closing line. For a throughput-like metric pass higherIsBetter=true, for a latency-like one false.</summary>
    public static void Print(string name, string metric, double weft, double peer, bool higherIsBetter)
    {
        var ratio = higherIsBetter ? weft / peer : peer / weft;
        // One token per field, so the line splits on spaces.
        metric = metric.Replace(' ', '_');
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {name} metric={metric} weft={Format(weft)} peer={Format(peer)} ratio={ratio:0.###}"));
    }

    /// <summary>Prints one figure in a stable, greppable shape.</summary>
    public static void Figure(string label, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-48} {Format(value),14} {unit}"));

    private static string Format(double v) =>
        v >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
