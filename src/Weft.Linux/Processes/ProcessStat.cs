using System.Globalization;

namespace Weft.Linux.Processes;

/// <summary>
/// What /proc/PID/stat says about a process that Weft needs: its state, and when it started. A pid alone names a
/// process only until it exits; the pair (pid, start time) names one for good, since the kernel never gives a
/// recycled pid the start time of the process that held it before.
/// </summary>
public readonly record struct ProcessStat(char State, long StartTime)
{
    /// <summary>An exited process whose parent has not collected it yet: it runs nothing any more.</summary>
    public bool IsZombie => State is 'Z' or 'X';

    /// <summary>The process's stat, or null when it does not exist (any more).</summary>
    public static ProcessStat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Parse(text);
    }

    /// <summary>
    /// Parses one stat line. The command name (field 2) is in parentheses and may hold spaces and ')', so fields are
    /// counted from the last ')': state is field 3, starttime field 22 (proc(5)).
    /// </summary>
    public static ProcessStat? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return fields.Length > 19 && fields[0].Length == 1 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new ProcessStat(fields[0][0], start)
            : null;
    }
}
