using System.Globalization;
using Weft.Linux.Interop;

namespace Weft.Linux.Processes;

/// <summary>
/// The pages of this process's own executable that its page tables map. A NativeAOT executable's start-up runs code it
/// never runs again (the command tree, Kestrel's set-up, the first reconcile), and the kernel maps up to 16 cached pages
/// around every fault; so an agent at rest had 22 of its 25 MB mapped while touching under 6 MiB of them in a minute
/// (docs/decisions.md, "Footprint").
/// </summary>
public static class ExecutablePages
{
    private const long PageSize = 4096;

    /// <summary>
    /// Unmaps the pages of the executable's read-only mappings (code and constants) from this process. MADV_DONTNEED drops
    /// only this process's page-table entries: the pages stay in the page cache, shared with every process of the same file,
    /// and the next use of one maps it again without I/O. A writable mapping, or one with private (copied) pages such as
    /// the GOT that the loader wrote before it made it read-only, is never touched: there MADV_DONTNEED would discard data.
    /// </summary>
    /// <returns>The resident bytes released.</returns>
    public static long ReleaseReadOnly()
    {
        if (Environment.ProcessPath is not { } exe)
        {
            return 0;
        }
        long released = 0;
        foreach (var mapping in ReadOnlyCleanMappings(exe))
        {
            if (Libc.Madvise((nint)mapping.Start, (nuint)(mapping.End - mapping.Start), Libc.MADV_DONTNEED) == 0)
            {
                released += mapping.Resident;
            }
        }
        return released;
    }

    /// <summary>The executable's mappings that are not writable and hold no private pages, from /proc/self/smaps.</summary>
    public static List<(ulong Start, ulong End, long Resident)> ReadOnlyCleanMappings(string exe)
    {
        var found = new List<(ulong, ulong, long)>();
        (ulong Start, ulong End, bool Candidate) current = default;
        long resident = 0;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line[space - 1] != ':')
            {
                // A mapping's header: "start-end perms offset dev inode path".
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                var range = fields[0].Split('-');
                current = (ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    fields.Length == 6 && fields[5] == exe && fields[1][1] != 'w');
                resident = 0;
            }
            else if (current.Candidate && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                resident = ProcessMemory.Kilobytes(line) * 1024;
            }
            else if (current.Candidate && line.StartsWith("Anonymous:", StringComparison.Ordinal) && ProcessMemory.Kilobytes(line) == 0
                && current.Start % PageSize == 0)
            {
                found.Add((current.Start, current.End, resident));
            }
        }
        return found;
    }
}
