using System.Globalization;
using System.Text;

namespace Weft.Linux.Firewall;

/// <summary>
/// The hook of a base chain: its type (filter, nat), hook (prerouting, forward, ...) and numeric priority. A chain
/// without one is a regular chain, reached only by a jump.
/// </summary>
public sealed record NftHook(string Type, string Hook, int Priority);

/// <summary>
/// One rule. <see cref="Key"/> is written as the rule's comment: it is how a table read back from the kernel is compared
/// with the wanted one (a rule deleted by hand is a key missing; a foreign rule is one without a key of ours).
/// </summary>
public sealed record NftRule(string Key, string Body);

/// <summary>A chain of a table, with its rules in order. Base chains accept by default: Weft drops only what its rules say.</summary>
public sealed record NftChain(string Name, NftHook? Hook, IReadOnlyList<NftRule> Rules);

/// <summary>
/// One nftables table, owned whole by its writer: <see cref="Nftables.Apply"/> replaces it atomically, so the kernel holds
/// either the old table or the new one, never a mix, and nothing outside it is touched.
/// </summary>
public sealed record NftTable(string Family, string Name, IReadOnlyList<NftChain> Chains)
{
    /// <summary>
    /// The nft script that makes the kernel's table exactly this one, in one transaction: create it (a no-op when it
    /// exists), delete it, define it anew.
    /// </summary>
    public string RenderReplace()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"table {Family} {Name} {{}}\n");
        text.Append(CultureInfo.InvariantCulture, $"delete table {Family} {Name}\n");
        text.Append(Render());
        return text.ToString();
    }

    /// <summary>The table's definition in nft's own syntax.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"table {Family} {Name} {{\n");
        foreach (var chain in Chains)
        {
            text.Append(CultureInfo.InvariantCulture, $"  chain {chain.Name} {{\n");
            if (chain.Hook is { } hook)
            {
                text.Append(CultureInfo.InvariantCulture, $"    type {hook.Type} hook {hook.Hook} priority {hook.Priority}; policy accept;\n");
            }
            foreach (var rule in chain.Rules)
            {
                text.Append(CultureInfo.InvariantCulture, $"    {rule.Body} comment {Quote(rule.Key)}\n");
            }
            text.Append("  }\n");
        }
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>What <see cref="Nftables.Read"/> gives back for this table when the kernel holds exactly it.</summary>
    public NftTableShape Shape() =>
        new([.. Chains.Select(c => new NftChainShape(c.Name, c.Hook, [.. c.Rules.Select(r => (string?)r.Key)]))]);

    private static string Quote(string comment)
    {
        if (comment.Length is 0 or > 128 || comment.Any(c => c is '"' or '\\' or '\n' || char.IsControl(c)))
        {
            throw new ArgumentException($"nft rule comment '{comment}' must be 1 to 128 printable characters without quotes or backslashes", nameof(comment));
        }
        return "\"" + comment + "\"";
    }
}

/// <summary>A chain as read back from the kernel: its hook, and each rule's comment (null for a rule without one).</summary>
public sealed record NftChainShape(string Name, NftHook? Hook, IReadOnlyList<string?> RuleKeys)
{
    public bool Equals(NftChainShape? other) =>
        other is not null && Name == other.Name && Equals(Hook, other.Hook) && RuleKeys.SequenceEqual(other.RuleKeys);

    public override int GetHashCode() => HashCode.Combine(Name, Hook, RuleKeys.Count);
}

/// <summary>A table as read back from the kernel: its chains in the kernel's order.</summary>
public sealed record NftTableShape(IReadOnlyList<NftChainShape> Chains)
{
    /// <summary>Same chains (in any order: the kernel lists them by creation) with the same rules in the same order.</summary>
    public bool Equals(NftTableShape? other) =>
        other is not null && Chains.Count == other.Chains.Count && Chains.All(c => other.Chains.Any(o => o.Equals(c)));

    public override int GetHashCode() => Chains.Count;
}
