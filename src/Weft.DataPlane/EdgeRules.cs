using System.Globalization;
using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux.Firewall;

namespace Weft.DataPlane;

/// <summary>One subnet of a network that leaves the host behind masquerade, through <paramref name="Interface"/> (see <see cref="INetworkDriver.EgressInterface"/>).</summary>
public sealed record EgressSubnet(string Network, IpNetwork Subnet, string Interface);

/// <summary>A published port of a local sandbox, and the address it is forwarded to.</summary>
public sealed record PublishedPort(string Sandbox, PortMapping Mapping, IPAddress Target);

/// <summary>
/// Weft's own nftables table on a host (<c>ip weft</c>): what the edge of the host needs, and nothing else. Pure, so
/// its rules are unit-tested; <see cref="EdgeFirewall"/> puts it in the kernel. Each rule's comment names what it
/// serves (network, subnet, interface, sandbox, mapping), so a rule whose object changed is a different rule.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>postrouting: each egress subnet is masqueraded when it leaves through any other interface than its own (the
/// outside sees the host's address), and when a published port sends it back into its own interface (hairpin: the
/// reply must come back through the host to be un-NATed).</item>
/// <item>prerouting and output: traffic to a local address (not loopback: Weft runs no userland proxy) goes through
/// <c>ports</c>, one DNAT per published port. Output covers connections made by the host itself.</item>
/// <item>forward: networks stay apart: nothing passes from one Weft network's interface to another's unless a published
/// port sent it (ct status dnat).</item>
/// </list>
/// </remarks>
public static class EdgeRules
{
    public const string Family = "ip";
    public const string Table = "weft";
    public const string PortsChain = "ports";

    /// <summary>The table for these subnets and ports; null when there is nothing to do (no table at all).</summary>
    public static NftTable? Render(IReadOnlyList<EgressSubnet> egress, IReadOnlyList<PublishedPort> ports)
    {
        ArgumentNullException.ThrowIfNull(egress);
        ArgumentNullException.ThrowIfNull(ports);
        if (egress.Count == 0 && ports.Count == 0)
        {
            return null;
        }
        var uplinks = Quote(KernelNames.UplinkPrefix + "*");
        var bridges = Quote(KernelNames.LocalBridgePrefix + "*");
        const string notPublished = "ct status & dnat == 0 drop";
        var forward = new List<NftRule>
        {
            new("isolate overlays from overlays", $"iifname {uplinks} oifname {uplinks} {notPublished}"),
            new("isolate overlays from bridges", $"iifname {uplinks} oifname {bridges} {notPublished}"),
            new("isolate bridges from overlays", $"iifname {bridges} oifname {uplinks} {notPublished}"),
        };
        // A bridge's own sandboxes talk to each other through it (iif = oif with br_netfilter): only other bridges are cut off.
        forward.AddRange(egress.Select(e => e.Interface).Where(i => i.StartsWith(KernelNames.LocalBridgePrefix, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)
            .Select(b => new NftRule($"isolate {b} from bridges", $"iifname {Quote(b)} oifname != {Quote(b)} oifname {bridges} {notPublished}")));

        var postrouting = new List<NftRule>();
        foreach (var e in egress)
        {
            postrouting.Add(new NftRule($"egress {e.Network} {e.Subnet} {e.Interface}", $"ip saddr {e.Subnet} oifname != {Quote(e.Interface)} masquerade"));
            postrouting.Add(new NftRule($"hairpin {e.Network} {e.Subnet} {e.Interface}", $"ip saddr {e.Subnet} oifname {Quote(e.Interface)} ct status dnat masquerade"));
        }
        var published = ports.Select(p => new NftRule(
            string.Create(CultureInfo.InvariantCulture, $"port {p.Sandbox} {p.Mapping} to {p.Target}"),
            string.Create(CultureInfo.InvariantCulture,
                $"{(p.Mapping.HostIp is { } ip ? $"ip daddr {ip} " : "")}meta l4proto {p.Mapping.Protocol} th dport {p.Mapping.HostPort} dnat to {p.Target}:{p.Mapping.Port}"))).ToList();
        return new NftTable(Family, Table,
        [
            new NftChain("forward", new NftHook("filter", "forward", 0), forward),
            new NftChain("postrouting", new NftHook("nat", "postrouting", 100), postrouting),
            new NftChain("prerouting", new NftHook("nat", "prerouting", -100), [new NftRule("published ports", $"fib daddr type local jump {PortsChain}")]),
            new NftChain("output", new NftHook("nat", "output", -100),
                [new NftRule("published ports from this host", $"ip daddr != 127.0.0.0/8 fib daddr type local jump {PortsChain}")]),
            new NftChain(PortsChain, null, published),
        ]);
    }

    /// <summary>The comment that marks Weft's rules in a chain Weft does not own.</summary>
    public const string ForeignTag = "weft:";

    /// <summary>
    /// Weft's rules for Docker's DOCKER-USER chain (iptables-nft's table ip filter, or iptables-legacy's filter), where
    /// Docker's documentation puts other programs' rules: dockerd sets the FORWARD policy to DROP, and a drop in any table
    /// is final, so an accept in Weft's own table cannot let egress and published ports through. Traffic out of and into
    /// Weft's networks is accepted there, except what enters Docker's own bridges, which returns to Docker's rules.
    /// Interface matches and verdicts only, so that iptables still reads the chain. Empty when Weft forwards nothing.
    /// </summary>
    public static IReadOnlyList<InterfaceRule> DockerUser(bool forwarding)
    {
        if (!forwarding)
        {
            return [];
        }
        var rules = new List<InterfaceRule>();
        foreach (var ours in new[] { KernelNames.UplinkPrefix + "*", KernelNames.LocalBridgePrefix + "*" })
        {
            rules.Add(new InterfaceRule($"{ForeignTag} {ours} into docker0 is Docker's to decide", ours, "docker*", InterfaceVerdict.Return));
            rules.Add(new InterfaceRule($"{ForeignTag} {ours} into Docker networks is Docker's to decide", ours, "br-*", InterfaceVerdict.Return));
            rules.Add(new InterfaceRule($"{ForeignTag} out of {ours}", ours, null, InterfaceVerdict.Accept));
            rules.Add(new InterfaceRule($"{ForeignTag} into {ours}", null, ours, InterfaceVerdict.Accept));
        }
        return rules;
    }

    private static string Quote(string name) => "\"" + name + "\"";
}
