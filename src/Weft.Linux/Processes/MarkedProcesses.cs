using System.Globalization;
using System.Text;
using Weft.Linux.Interop;

namespace Weft.Linux.Processes;

/// <summary>
/// Processes found by a mark in their environment (<c>NAME=VALUE</c>), which every child inherits. Weft marks what it
/// starts for a sandbox, so the sandbox's processes can be found and ended however they were left: with the pid never
/// recorded (a crash right after the start), with the namespace file gone, or after they forked and left their session.
/// </summary>
/// <remarks>
/// /proc/PID/environ shows the environment a process was started with, which is what a child inherits unless it is
/// cleared on purpose. Reading it for every process of the host costs about a millisecond per few hundred processes.
/// </remarks>
public static class MarkedProcesses
{
    /// <summary>The live processes whose environment holds <paramref name="name"/> with a value <paramref name="matches"/> accepts.</summary>
    public static IReadOnlyList<int> Find(string name, Func<string, bool> matches)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(matches);
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && IsMarked(pid, name, matches))
            {
                found.Add(pid);
            }
        }
        return found;
    }

    /// <summary>
    /// Sends SIGKILL to every marked process until none is left (a process may fork while the first ones die), through a
    /// pidfd that is checked against the mark after it is opened, so a pid recycled in between is never signalled.
    /// Returns how many were killed; gives up after <paramref name="timeout"/> with what still runs.
    /// </summary>
    public static int KillAll(string name, Func<string, bool> matches, TimeSpan timeout)
    {
        var killed = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var alive = Find(name, matches).Where(pid => ProcessStat.Read(pid) is { IsZombie: false }).ToList();
            if (alive.Count == 0)
            {
                return killed;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new KernelException(Errno.EBUSY, "kill", $"processes marked {name} ({string.Join(", ", alive)})",
                    $"{alive.Count} marked process(es) still run after {timeout.TotalSeconds:0} s");
            }
            foreach (var pid in alive)
            {
                if (Signal(pid, name, matches))
                {
                    killed++;
                }
            }
            Thread.Sleep(5);
        }
    }

    /// <summary>Sends <paramref name="signal"/> once to every live marked process (through a checked pidfd); returns how many got it.</summary>
    public static int SignalAll(string name, Func<string, bool> matches, int signal) =>
        Find(name, matches).Where(pid => ProcessStat.Read(pid) is { IsZombie: false }).Count(pid => Signal(pid, name, matches, signal));

    /// <summary>Whether any marked process still runs (a zombie no longer does).</summary>
    public static bool AnyAlive(string name, Func<string, bool> matches) =>
        Find(name, matches).Any(pid => ProcessStat.Read(pid) is { IsZombie: false });

    private static bool Signal(int pid, string name, Func<string, bool> matches, int signal = Libc.SIGKILL)
    {
        var fd = Libc.PidfdOpen(pid, 0);
        if (fd < 0)
        {
            return false; // gone already
        }
        using var pidfd = new FileDescriptorHandle(fd);
        // The pidfd now names whichever process holds the pid; it is ours only if that one still carries the mark.
        return IsMarked(pid, name, matches) && Libc.PidfdSendSignal(pidfd, signal, 0, 0) == 0;
    }

    private static bool IsMarked(int pid, string name, Func<string, bool> matches)
    {
        byte[] environment;
        try
        {
            environment = File.ReadAllBytes($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var prefix = Encoding.UTF8.GetBytes(name + "=");
        foreach (var range in environment.AsSpan().Split((byte)0))
        {
            var entry = environment.AsSpan(range);
            if (entry.StartsWith(prefix))
            {
                return matches(Encoding.UTF8.GetString(entry[prefix.Length..]));
            }
        }
        return false;
    }
}
