using System.Text.Json;
using Weft.Linux.Firewall;

namespace Weft.Linux.Diagnostics;

/// <summary>What `nft -j list ruleset` says about the iptables-nft chains other programs (Docker, firewalld) left.</summary>
/// <param name="ForwardPolicy">The policy of the `ip filter FORWARD` chain (iptables' FORWARD), or null without one.</param>
/// <param name="DockerChains">Docker's chains (DOCKER-USER, ...) are present: dockerd set the policy.</param>
public sealed record HostFirewall(string? ForwardPolicy, bool DockerChains);

/// <summary>The nft tool, run read-only: Weft's rules go through its own layer, this only reads what others made.</summary>
public static class NftTool
{
    /// <summary>Reads the ruleset of the calling thread's namespace; null when nft is not installed.</summary>
    /// <exception cref="InvalidOperationException">nft failed; the message is nft's own.</exception>
    public static HostFirewall? ReadHostFirewall()
    {
        if (Nftables.InstalledTool is null)
        {
            return null;
        }
        var (exit, json, error) = Nftables.Execute(["-j", "list", "ruleset"], null);
        return exit == 0
            ? ParseHostFirewall(json)
            : throw new InvalidOperationException($"nft -j list ruleset: exit {exit}: {error.Trim()}");
    }

    /// <summary>Picks the FORWARD chain of iptables-nft's `ip filter` table and Docker's chains out of nft's JSON.</summary>
    public static HostFirewall ParseHostFirewall(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new HostFirewall(null, false); // an empty ruleset prints nothing
        }
        using var document = JsonDocument.Parse(json);
        string? policy = null;
        var docker = false;
        if (document.RootElement.TryGetProperty("nftables", out var items))
        {
            foreach (var item in items.EnumerateArray())
            {
                if (!item.TryGetProperty("chain", out var chain))
                {
                    continue;
                }
                var family = Text(chain, "family");
                var table = Text(chain, "table");
                var name = Text(chain, "name");
                if (family == "ip" && table == "filter" && name == "FORWARD")
                {
                    policy = Text(chain, "policy");
                }
                if (family == "ip" && name is "DOCKER-USER" or "DOCKER" or "DOCKER-FORWARD")
                {
                    docker = true;
                }
            }
        }
        return new HostFirewall(policy, docker);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
