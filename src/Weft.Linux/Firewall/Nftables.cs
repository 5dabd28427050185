using System.Globalization;
using System.Text.Json;
using Weft.Linux.Interop;

namespace Weft.Linux.Firewall;

/// <summary>
/// Reads and writes whole nftables tables of the calling thread's network namespace through the `nft` tool: a table
/// is replaced in one batch fed on stdin (one kernel transaction, so never half-applied), and read back as JSON.
/// Nothing outside the named table is ever touched. Callers above Weft.Linux see tables, never the tool.
/// </summary>
public static class Nftables
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly string[] Places = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"];

    /// <summary>Where the nft tool is installed (Debian's nftables package: /usr/sbin/nft); null when it is not.</summary>
    public static string? InstalledTool => Places.FirstOrDefault(File.Exists);

    private static string Tool => InstalledTool ?? "nft";

    /// <summary>Makes the kernel's table exactly <paramref name="table"/>, atomically.</summary>
    /// <exception cref="KernelException">nft is missing or refused the batch (its message says why).</exception>
    public static void Apply(NftTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        Run(["-f", "-"], table.RenderReplace(), $"apply nftables table {table.Family} {table.Name}");
    }

    /// <summary>Deletes the table if it exists.</summary>
    public static void Delete(string family, string name)
    {
        if (Read(family, name) is not null)
        {
            Run(["-f", "-"], $"table {family} {name} {{}}\ndelete table {family} {name}\n", $"delete nftables table {family} {name}");
        }
    }

    /// <summary>The table's chains and rule comments as the kernel holds them; null when there is no such table.</summary>
    public static NftTableShape? Read(string family, string name)
    {
        var (exit, output, error) = Execute(["-j", "list", "table", family, name], null);
        if (exit != 0)
        {
            // nft says "No such file or directory" for a table that is not there.
            if (error.Contains("No such file or directory", StringComparison.Ordinal))
            {
                return null;
            }
            throw new KernelException(Errno.EINVAL, "list nftables table", $"{family} {name}", error.Trim());
        }
        return ParseShape(output);
    }

    /// <summary>Parses `nft -j list table` output into chains and rule comments.</summary>
    public static NftTableShape ParseShape(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var chains = new List<(string Name, NftHook? Hook)>();
        var rules = new Dictionary<string, List<string?>>(StringComparer.Ordinal);
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("chain", out var chain))
            {
                var chainName = chain.GetProperty("name").GetString()!;
                NftHook? hook = chain.TryGetProperty("hook", out var h)
                    ? new NftHook(chain.GetProperty("type").GetString()!, h.GetString()!, chain.GetProperty("prio").GetInt32())
                    : null;
                // A base chain whose policy was changed to drop is not the chain Weft wrote.
                if (hook is not null && chain.TryGetProperty("policy", out var policy) && policy.GetString() != "accept")
                {
                    hook = hook with { Type = hook.Type + " policy " + policy.GetString() };
                }
                chains.Add((chainName, hook));
                rules.TryAdd(chainName, []);
            }
            else if (item.TryGetProperty("rule", out var rule))
            {
                var chainName = rule.GetProperty("chain").GetString()!;
                var comment = rule.TryGetProperty("comment", out var c) ? c.GetString() : null;
                if (!rules.TryGetValue(chainName, out var list))
                {
                    rules[chainName] = list = [];
                }
                list.Add(comment);
            }
        }
        return new NftTableShape([.. chains.Select(c => new NftChainShape(c.Name, c.Hook, rules[c.Name]))]);
    }

    /// <summary>
    /// Makes the rules tagged <paramref name="tag"/> (their comment starts with it) at the top of another program's chain
    /// exactly <paramref name="rules"/>, in order, in one transaction, and leaves every other rule of that chain alone.
    /// For a chain that program documents as the place for others' rules (Docker's DOCKER-USER). Bodies must be plain
    /// enough for that program's tools to read back (iptables-nft: interface matches and verdicts, with a counter).
    /// </summary>
    /// <returns>Whether anything changed; false too when there is no such chain (the program does not run here).</returns>
    public static bool ReplaceTagged(string family, string table, string chain, string tag, IReadOnlyList<NftRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Any(r => !r.Key.StartsWith(tag, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"every rule's key must start with '{tag}'", nameof(rules));
        }
        var (exit, output, error) = Execute(["-j", "list", "chain", family, table, chain], null);
        if (exit != 0)
        {
            if (error.Contains("No such file or directory", StringComparison.Ordinal))
            {
                return false;
            }
            throw new KernelException(Errno.EINVAL, "list nftables chain", $"{family} {table} {chain}", error.Trim());
        }
        var have = ParseChainRules(output);
        var ours = have.Where(r => r.Comment?.StartsWith(tag, StringComparison.Ordinal) == true).ToList();
        if (have.Take(rules.Count).Select(r => r.Comment).SequenceEqual(rules.Select(r => (string?)r.Key)) && ours.Count == rules.Count)
        {
            return false;
        }
        var batch = new System.Text.StringBuilder();
        foreach (var r in ours)
        {
            batch.Append(CultureInfo.InvariantCulture, $"delete rule {family} {table} {chain} handle {r.Handle}\n");
        }
        // Each insert goes to the top: the last one inserted ends up first.
        foreach (var r in rules.Reverse())
        {
            batch.Append(CultureInfo.InvariantCulture, $"insert rule {family} {table} {chain} {r.Body} comment \"{r.Key}\"\n");
        }
        Run(["-f", "-"], batch.ToString(), $"replace Weft's rules in nftables chain {family} {table} {chain}");
        return true;
    }

    /// <summary>The rules of one chain from `nft -j list chain` output: handle and comment, in order.</summary>
    public static IReadOnlyList<(long Handle, string? Comment)> ParseChainRules(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("nftables").EnumerateArray()
            .Where(item => item.TryGetProperty("rule", out _))
            .Select(item => item.GetProperty("rule"))
            .Select(rule => (rule.GetProperty("handle").GetInt64(), rule.TryGetProperty("comment", out var c) ? c.GetString() : null))];
    }

    private static void Run(string[] arguments, string? input, string what)
    {
        var (exit, _, error) = Execute(arguments, input);
        if (exit != 0)
        {
            throw new KernelException(Errno.EINVAL, what, "nft", $"exit {exit.ToString(CultureInfo.InvariantCulture)}: {error.Trim()}");
        }
    }

    /// <summary>Runs nft with <paramref name="arguments"/> (and <paramref name="input"/> on stdin): exit code, stdout, stderr.</summary>
    internal static (int Exit, string Output, string Error) Execute(string[] arguments, string? input) =>
        FirewallTool.Run(Tool, arguments, input, Timeout, "install the nftables package");
}
