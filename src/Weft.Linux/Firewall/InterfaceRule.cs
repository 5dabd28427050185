using System.Text;

namespace Weft.Linux.Firewall;

/// <summary>The verdicts a rule in another program's chain may give: accept, or return to that program's own rules.</summary>
public enum InterfaceVerdict
{
    Accept,
    Return,
}

/// <summary>
/// A rule for a chain another program owns (Docker's DOCKER-USER), plain enough for every tool that reads that chain:
/// interface matches (a trailing <c>*</c> matches a prefix), a counter, a verdict, and <see cref="Key"/> as its comment.
/// Written as nft for iptables-nft's tables and as iptables arguments for iptables-legacy's.
/// </summary>
public sealed record InterfaceRule(string Key, string? In, string? Out, InterfaceVerdict Verdict)
{
    /// <summary>The rule in nft's syntax (with the key as comment): iptables-nft reads it back as the iptables rule below.</summary>
    public NftRule ToNft()
    {
        var body = new StringBuilder();
        if (In is not null)
        {
            body.Append("iifname \"").Append(In).Append("\" ");
        }
        if (Out is not null)
        {
            body.Append("oifname \"").Append(Out).Append("\" ");
        }
        body.Append("counter ").Append(Verdict == InterfaceVerdict.Accept ? "accept" : "return");
        return new NftRule(Key, body.ToString());
    }

    /// <summary>The rule's match and target as iptables arguments (iptables spells a prefix match with <c>+</c>).</summary>
    public IReadOnlyList<string> ToIptables()
    {
        var arguments = new List<string>();
        if (In is not null)
        {
            arguments.AddRange(["-i", Iptables(In)]);
        }
        if (Out is not null)
        {
            arguments.AddRange(["-o", Iptables(Out)]);
        }
        arguments.AddRange(["-m", "comment", "--comment", Key, "-j", Verdict == InterfaceVerdict.Accept ? "ACCEPT" : "RETURN"]);
        return arguments;
    }

    private static string Iptables(string name) => name.EndsWith('*') ? name[..^1] + "+" : name;
}
