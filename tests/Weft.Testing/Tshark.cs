using System.Diagnostics;

namespace Weft.Testing;

/// <summary>Wireshark's dissectors as the peer that tests compare Weft's decoding with: one row of fields per packet.</summary>
public static class Tshark
{
    /// <summary>
    /// Runs <c>tshark -r PATH -T fields</c> for <paramref name="fields"/>; every occurrence of a field (outer and
    /// inner headers) comes joined by commas. <paramref name="extra"/> adds options such as checksum checking.
    /// </summary>
    public static List<Dictionary<string, string>> Fields(string path, string[] fields, params string[] extra)
    {
        var psi = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-n", "-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=," }.Concat(extra))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var f in fields)
        {
            psi.ArgumentList.Add("-e");
            psi.ArgumentList.Add(f);
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"tshark failed ({p.ExitCode}): {stderr.Result}");
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => fields.Zip(line.Split('|')).ToDictionary(z => z.First, z => z.Second))];
    }
}
