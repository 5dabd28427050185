using System.Globalization;
using System.Text;

namespace Weft.Linux.Firewall;

/// <summary>What the legacy (x_tables) `filter` table says about forwarding: FORWARD's policy, and whether Docker's chain for others is there.</summary>
public sealed record LegacyForward(string Policy, bool DockerUser);

/// <summary>
/// The iptables-legacy (x_tables) tables of the calling thread's network namespace, through the iptables-legacy tools:
/// a host whose Docker (or another firewall manager) uses them keeps its FORWARD DROP there, where nft rules cannot
/// reach. Weft only keeps its own tagged rules in a chain the owner documents for them (Docker's DOCKER-USER), and
/// only reads the rest. A table that is not there is never created: listing a legacy table instantiates it, so the
/// kernel's list of present tables is asked first.
/// </summary>
public static class LegacyIptables
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly string[] Places = ["/usr/sbin/iptables-legacy", "/sbin/iptables-legacy"];

    private static string? Tool => Places.FirstOrDefault(File.Exists);

    /// <summary>Whether the legacy table exists in this thread's namespace (listed in its /proc/net/ip_tables_names).</summary>
    public static bool HasTable(string table)
    {
        try
        {
            // thread-self: the namespace of this thread, which may have entered another than the process's.
            return File.ReadAllLines("/proc/thread-self/net/ip_tables_names").Contains(table, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // no ip_tables in this kernel: no legacy tables at all
        }
    }

    /// <summary>The chain's rules as `iptables-legacy -S` prints them; null when there is no such table or chain, or no tool.</summary>
    public static IReadOnlyList<string>? ListChain(string table, string chain)
    {
        if (Tool is not { } tool || !HasTable(table))
        {
            return null;
        }
        var (exit, output, error) = FirewallTool.Run(tool, ["-w", "-t", table, "-S", chain], null, Timeout, "install the iptables package");
        if (exit != 0)
        {
            if (error.Contains("No chain", StringComparison.Ordinal) || error.Contains("does not exist", StringComparison.Ordinal))
            {
                return null;
            }
            throw new KernelException(Interop.Errno.EINVAL, "list iptables-legacy chain", $"{table} {chain}", error.Trim());
        }
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The legacy filter table's FORWARD policy and DOCKER-USER chain; null when there is no legacy filter table.</summary>
    public static LegacyForward? ReadForward()
    {
        if (ListChain("filter", "FORWARD") is not { } forward)
        {
            return null;
        }
        var policy = forward.Select(Tokens).FirstOrDefault(t => t is ["-P", "FORWARD", _])?[2] ?? "ACCEPT";
        return new LegacyForward(policy, ListChain("filter", "DOCKER-USER") is not null);
    }

    /// <summary>
    /// Makes the rules whose comment starts with <paramref name="tag"/> at the top of <paramref name="chain"/> exactly
    /// <paramref name="rules"/>, in order, in one iptables-legacy-restore (one table replace in the kernel), and leaves
    /// every other rule alone. Compared by comment, as the nft side does.
    /// </summary>
    /// <returns>Whether anything changed; false too when there is no such legacy table or chain.</returns>
    public static bool ReplaceTagged(string table, string chain, string tag, IReadOnlyList<InterfaceRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Any(r => !r.Key.StartsWith(tag, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"every rule's key must start with '{tag}'", nameof(rules));
        }
        if (ListChain(table, chain) is not { } lines)
        {
            return false;
        }
        var have = lines.Select(Tokens).Where(t => t.Count > 2 && t[0] == "-A" && t[1] == chain).Select(t => (Spec: t.Skip(2).ToList(), Key: Comment(t))).ToList();
        var ours = have.Where(r => r.Key?.StartsWith(tag, StringComparison.Ordinal) == true).ToList();
        if (have.Take(rules.Count).Select(r => r.Key).SequenceEqual(rules.Select(r => (string?)r.Key)) && ours.Count == rules.Count)
        {
            return false;
        }
        var restore = new StringBuilder();
        restore.Append(CultureInfo.InvariantCulture, $"*{table}\n");
        // By specification, not by number: a rule Docker adds in between never moves which rule is deleted.
        foreach (var r in ours)
        {
            restore.Append(CultureInfo.InvariantCulture, $"-D {chain} {Join(r.Spec)}\n");
        }
        for (var i = 0; i < rules.Count; i++)
        {
            restore.Append(CultureInfo.InvariantCulture, $"-I {chain} {i + 1} {Join(rules[i].ToIptables())}\n");
        }
        restore.Append("COMMIT\n");
        var tool = Tool!;
        var (exit, _, error) = FirewallTool.Run(tool + "-restore", ["-w", "--noflush"], restore.ToString(), Timeout, "install the iptables package");
        if (exit != 0)
        {
            throw new KernelException(Interop.Errno.EINVAL, "replace Weft's rules in iptables-legacy chain", $"{table} {chain}", $"exit {exit}: {error.Trim()}");
        }
        return true;
    }

    /// <summary>The comment of a rule (the argument after --comment), or null.</summary>
    private static string? Comment(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i] == "--comment")
            {
                return tokens[i + 1];
            }
        }
        return null;
    }

    /// <summary>Splits a line of `iptables -S` output: words, "quoted words" with backslash escapes inside.</summary>
    public static IReadOnlyList<string> Tokens(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var tokens = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, inToken = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < line.Length)
                {
                    current.Append(line[++i]);
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = inToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
            }
            else
            {
                current.Append(c);
                inToken = true;
            }
        }
        if (inToken)
        {
            tokens.Add(current.ToString());
        }
        return tokens;
    }

    /// <summary>Arguments as one line of an iptables-restore file: a word with anything but plain characters is quoted.</summary>
    private static string Join(IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '+' or '_' or '.' or ':' or '/' or '*' or ',')
            ? a
            : "\"" + a.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
}
