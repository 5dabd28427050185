using Weft.Linux.Firewall;
using Weft.Linux.Namespaces;

namespace Weft.DataPlane;

/// <summary>
/// Keeps Weft's table in the host's namespace equal to <see cref="EdgeRules"/>'s: replaced whole and atomically when it
/// differs (a rule deleted by hand comes back, a foreign rule added to it goes), deleted when nothing needs it. Other
/// tables are never touched. Not thread-safe: callers hold the agent's kernel lock.
/// </summary>
public sealed class EdgeFirewall
{
    /// <summary>Docker's chain for other programs' rules, in iptables' filter table.</summary>
    public const string DockerUserChain = "DOCKER-USER";

    /// <summary>
    /// What the kernel announces changes of (see <see cref="NftablesMonitor"/>): Weft's table, and Docker's chain where
    /// Weft keeps rules. iptables-legacy has no notifications: its chain is verified on the resync only.
    /// </summary>
    public static IReadOnlyList<NftWatch> Watched { get; } = [new(EdgeRules.Family, EdgeRules.Table), new("ip", "filter", DockerUserChain)];

    private string? _applied;

    /// <summary>
    /// Makes the kernel hold <paramref name="wanted"/> (null: no table). Compares with the kernel only when
    /// <paramref name="verify"/> or when the wanted table changed since the last call.
    /// </summary>
    public ApplyResult Apply(NftTable? wanted, bool verify)
    {
        var text = wanted?.Render() ?? "";
        if (!verify && text == _applied)
        {
            return default;
        }
        var have = Nftables.Read(EdgeRules.Family, EdgeRules.Table);
        ApplyResult result = default;
        if (wanted is null)
        {
            if (have is not null)
            {
                Nftables.Delete(EdgeRules.Family, EdgeRules.Table);
                result = new ApplyResult(0, 1);
            }
        }
        else
        {
            // Forwarding is what egress and published ports are made of (Docker turns it on for the same reason).
            using (var current = NetworkNamespace.OpenCurrent())
            {
                if (current.ReadSysctl("net.ipv4.ip_forward").Trim() != "1")
                {
                    current.WriteSysctl("net.ipv4.ip_forward", "1");
                }
            }
            if (have is null || !have.Equals(wanted.Shape()))
            {
                Nftables.Apply(wanted);
                result = new ApplyResult(1, have is null ? 0 : 1);
            }
        }
        // Docker's FORWARD policy DROP would stop both (a drop in another table is final): Weft's rules go in the chain
        // Docker keeps for others, in iptables-nft's table and in iptables-legacy's, whichever this host's Docker uses.
        // Checked on every verification, since a dockerd may start after the agent.
        var dockerUser = EdgeRules.DockerUser(wanted is not null);
        if (Nftables.ReplaceTagged("ip", "filter", DockerUserChain, EdgeRules.ForeignTag, [.. dockerUser.Select(r => r.ToNft())]))
        {
            result += new ApplyResult(1, 0);
        }
        if (LegacyIptables.ReplaceTagged("filter", DockerUserChain, EdgeRules.ForeignTag, dockerUser))
        {
            result += new ApplyResult(1, 0);
        }
        _applied = text;
        return result;
    }
}
