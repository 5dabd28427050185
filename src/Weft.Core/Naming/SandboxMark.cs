namespace Weft.Core.Naming;

/// <summary>
/// The mark every process Weft starts for a sandbox carries in its environment, and passes on to its children:
/// <c>WEFT_SANDBOX=HOST/SANDBOX-ID</c>. With it the agent finds a sandbox's processes again however they were left (a
/// crash before the pid was recorded, the namespace file gone, a child that left its session), and `weft lab down`
/// finds every process of its hosts.
/// </summary>
public static class SandboxMark
{
    public const string Variable = "WEFT_SANDBOX";

    public static string Value(string hostName, string sandboxId) => $"{hostName}/{sandboxId}";

    /// <summary>Whether a mark's value belongs to <paramref name="hostName"/>, whatever the sandbox.</summary>
    public static bool IsOfHost(string value, string hostName)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.StartsWith(hostName + "/", StringComparison.Ordinal);
    }

    /// <summary>The sandbox id of a mark of <paramref name="hostName"/>; null for another host's mark.</summary>
    public static string? SandboxIdOf(string value, string hostName) =>
        IsOfHost(value, hostName) ? value[(hostName.Length + 1)..] : null;
}
