using System.Globalization;

namespace Weft.Linux.Diagnostics;

/// <summary>A socket bound to a local UDP port, from /proc/net/udp(6).</summary>
/// <param name="Inode">The socket's inode: kernel sockets (a VXLAN device's) have one too, but no process holds it.</param>
public sealed record UdpSocketEntry(string LocalAddress, int Port, long Inode);

/// <summary>Who holds a UDP port in the calling thread's namespace.</summary>
public static class UdpPortUsers
{
    public static IReadOnlyList<UdpSocketEntry> Of(int port)
    {
        var entries = new List<UdpSocketEntry>();
        foreach (var file in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (File.Exists(file))
            {
                entries.AddRange(Parse(File.ReadAllText(file)).Where(e => e.Port == port));
            }
        }
        return entries;
    }

    /// <summary>
    /// The processes holding a socket, by its inode: each /proc/PID/fd entry that links to `socket:[INODE]`. None for a
    /// socket the kernel opened for itself, such as the VXLAN devices' UDP 4789 socket.
    /// </summary>
    public static IReadOnlyList<int> ProcessesHolding(long inode)
    {
        var target = $"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]";
        var holders = new List<int>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                if (Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")).Any(fd => new FileInfo(fd).LinkTarget == target))
                {
                    holders.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours to read.
            }
        }
        return holders;
    }

    /// <summary>Lines like `0: 00000000:12B5 00000000:0000 07 ... 0 0 12345 ...`: local address:port in hex, inode at column 10.</summary>
    public static IEnumerable<UdpSocketEntry> Parse(string table)
    {
        foreach (var line in table.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10)
            {
                continue;
            }
            var local = fields[1].Split(':');
            if (local.Length != 2 || !int.TryParse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)
                || !long.TryParse(fields[9], NumberStyles.Integer, CultureInfo.InvariantCulture, out var inode))
            {
                continue;
            }
            yield return new UdpSocketEntry(local[0], port, inode);
        }
    }
}
