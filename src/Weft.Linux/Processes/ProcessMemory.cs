using System.Globalization;

namespace Weft.Linux.Processes;

/// <summary>This process's memory as /proc reports it: lines of the form "Name:   1234 kB".</summary>
public static class ProcessMemory
{
    /// <summary>Resident memory (VmRSS of /proc/self/status), in bytes; 0 if the line is missing.</summary>
    public static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return Kilobytes(line) * 1024;
            }
        }
        return 0;
    }

    /// <summary>The value of a "Name: N kB" line of status or smaps, in KiB.</summary>
    internal static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
}
