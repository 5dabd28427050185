using Weft.Linux.Firewall;
using Weft.Testing;

namespace Weft.Linux.Tests;

/// <summary>The nftables notification parser on bytes captured from the kernel (6.x, nft 1.0.6), which needs no kernel.</summary>
public sealed class NftablesMessageTests
{
    // `nft delete rule ip weft ports handle 2`: NFT_MSG_DELRULE, family ip, table "weft", chain "ports", then the expressions.
    private const string DeleteRule =
        "58010000080a000001000000cd080000020000050900010077656674000000000a000200706f7274730000000c00030000000000000000021801040024000100090001006d6574610000000014000200080002000000001008000100000000012c00010008000100636d700020000200080001000000000108000200000000000c0003000500010006000000340001000c0001007061796c6f6164002400020008000100000000010800020000000002080003000000000208000400000000022c00010008000100636d700020000200080001000000000108000200000000000c000300060001001f9000002c0001000e000100696d6d6564696174650000001800020008000100000000010c000200080001000a00000238000100080001006e6174002c000200080001000000000108000200000000020800030000000001080004000000000108000700000000010800070000027800";

    // NFT_MSG_NEWGEN, which closes every transaction: attribute 1 is the generation id, not a table.
    private const string NewGen = "2c0000000f0a000001000000cd08000000000005080001000000000508000200000008cd080003006e667400";

    // `nft add table ip weft`: NFT_MSG_NEWTABLE.
    private const string NewTable = "3c000000000a000001000000b10800000200000209000100776566740000000008000300000000000c00040000000000000000010800020000000000";

    // `nft add chain ip filter DOCKER-USER`: NFT_MSG_NEWCHAIN, the chain's name in attribute 3.
    private const string NewDockerUser = "44000000030a000401000000de080000020000070b00010066696c746572000010000300444f434b45522d55534552000c00020000000000000000010800060000000000";

    // `nft add rule ip filter OTHER counter accept` and `... DOCKER-USER counter accept`: NFT_MSG_NEWRULE, chain in attribute 2.
    private const string RuleInOther = "98000000060a000c01000000e2080000020000090b00010066696c74657200000a0002004f544845520000000c0003000000000000000003600004002c0001000c000100636f756e746572001c0002000c00010000000000000000000c0002000000000000000000300001000e000100696d6d6564696174650000001c0002000800010000000000100002000c0002000800010000000001";
    private const string RuleInDockerUser = "9c000000060a000c01000000e40800000200000a0b00010066696c746572000010000200444f434b45522d55534552000c0003000000000000000004600004002c0001000c000100636f756e746572001c0002000c00010000000000000000000c0002000000000000000000300001000e000100696d6d6564696174650000001c0002000800010000000000100002000c0002000800010000000001";

    private static readonly IReadOnlyList<NftWatch> Watched = [new("ip", "weft"), new("ip", "filter", "DOCKER-USER")];

    [Fact]
    public void Each_message_names_its_family_table_and_chain()
    {
        Assert.Equal([new NftObjectChange("ip", "weft", "ports")], NftablesMonitor.Parse(Convert.FromHexString(DeleteRule)));
        Assert.Equal([new NftObjectChange("ip", "weft", null)], NftablesMonitor.Parse(Convert.FromHexString(NewTable)));
        Assert.Equal([new NftObjectChange("ip", "filter", "DOCKER-USER")], NftablesMonitor.Parse(Convert.FromHexString(NewDockerUser)));
        Assert.Equal([new NftObjectChange("ip", "filter", "OTHER")], NftablesMonitor.Parse(Convert.FromHexString(RuleInOther)));
        Assert.Empty(NftablesMonitor.Parse(Convert.FromHexString(NewGen)));
        // Two messages in one datagram, and a truncated tail that is ignored rather than misread.
        var both = Convert.FromHexString(DeleteRule + RuleInDockerUser + "2c000000");
        Assert.Equal([new NftObjectChange("ip", "weft", "ports"), new NftObjectChange("ip", "filter", "DOCKER-USER")], NftablesMonitor.Parse(both));
    }

    [Fact]
    public void Weft_table_and_Dockers_chain_concern_the_firewall_and_nothing_else_does()
    {
        Assert.True(NftablesMonitor.Concerns(Watched, new NftObjectChange("ip", "weft", "ports")));
        Assert.True(NftablesMonitor.Concerns(Watched, new NftObjectChange("ip", "weft", null)));
        Assert.True(NftablesMonitor.Concerns(Watched, new NftObjectChange("ip", "filter", "DOCKER-USER")));
        Assert.True(NftablesMonitor.Concerns(Watched, new NftObjectChange("ip", "filter", null)), "the table deleted takes DOCKER-USER with it");
        Assert.False(NftablesMonitor.Concerns(Watched, new NftObjectChange("ip", "filter", "OTHER")));
        Assert.False(NftablesMonitor.Concerns(Watched, new NftObjectChange("ip6", "weft", "ports")));
        Assert.False(NftablesMonitor.Concerns(Watched, new NftObjectChange("inet", "firewalld", null)));
    }

    [Fact]
    public void Iptables_lines_split_into_words_with_quoted_comments()
    {
        Assert.Equal(["-A", "DOCKER-USER", "-i", "wu-+", "-o", "docker+", "-m", "comment", "--comment", "weft: wu-* into docker0 is Docker's to decide", "-j", "RETURN"],
            LegacyIptables.Tokens("-A DOCKER-USER -i wu-+ -o docker+ -m comment --comment \"weft: wu-* into docker0 is Docker\\'s to decide\" -j RETURN"));
        Assert.Equal(["-P", "FORWARD", "DROP"], LegacyIptables.Tokens("-P FORWARD DROP"));
    }

    [Fact]
    public void An_interface_rule_reads_the_same_to_nft_and_iptables()
    {
        var rule = new InterfaceRule("weft: wu-* into Docker networks", "wu-*", "br-*", InterfaceVerdict.Return);
        Assert.Equal("iifname \"wu-*\" oifname \"br-*\" counter return", rule.ToNft().Body);
        Assert.Equal(["-i", "wu-+", "-o", "br-+", "-m", "comment", "--comment", "weft: wu-* into Docker networks", "-j", "RETURN"], rule.ToIptables());
    }
}

/// <summary>The monitor and the legacy layer against the kernel, each in a namespace of its own.</summary>
[RequiresRoot]
public sealed class NftablesMonitorTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    private static void Nft(Namespaces.NetworkNamespace ns, string script)
    {
        var (exit, _, error) = ns.Run(() => Nftables.Execute(["-f", "-"], script));
        Assert.True(exit == 0, error);
    }

    [Fact]
    public async Task A_rule_deleted_in_a_watched_table_or_chain_is_reported_and_others_are_not()
    {
        var ns = _namespaces.Create("nm");
        Nft(ns, "add table ip weft\nadd chain ip weft ports\nadd rule ip weft ports tcp dport 8080 accept comment \"p\"\n" +
            "add table ip filter\nadd chain ip filter OTHER\nadd chain ip filter DOCKER-USER\n");
        var reports = 0;
        var reported = new SemaphoreSlim(0);
        using var monitor = ns.Run(() => NftablesMonitor.Start([new NftWatch("ip", "weft"), new NftWatch("ip", "filter", "DOCKER-USER")], () =>
        {
            Interlocked.Increment(ref reports);
            reported.Release();
        }));

        Nft(ns, "flush chain ip weft ports\n");
        Assert.True(await reported.WaitAsync(TimeSpan.FromSeconds(5)), "a flushed chain of the watched table is reported");

        // Notifications arrive in order on one socket: had the change to OTHER been reported, it would be counted before DOCKER-USER's.
        var before = Volatile.Read(ref reports);
        Nft(ns, "add rule ip filter OTHER counter accept\n");
        Nft(ns, "add rule ip filter DOCKER-USER counter accept\n");
        Assert.True(await reported.WaitAsync(TimeSpan.FromSeconds(5)), "a rule added to DOCKER-USER is reported");
        Assert.Equal(before + 1, Volatile.Read(ref reports));
    }

    [Fact]
    public void Tagged_rules_are_kept_at_the_top_of_a_legacy_chain_and_others_are_left_alone()
    {
        var ns = _namespaces.Create("lg");
        Assert.False(ns.Run(() => LegacyIptables.HasTable("filter")), "a fresh namespace has no legacy table");
        Assert.False(ns.Run(() => LegacyIptables.ReplaceTagged("filter", "DOCKER-USER", "weft:", [])));
        Assert.False(ns.Run(() => LegacyIptables.HasTable("filter")), "and looking did not make one");

        Legacy(ns, "-N", "DOCKER-USER");
        Legacy(ns, "-A", "DOCKER-USER", "-j", "RETURN");
        Legacy(ns, "-I", "DOCKER-USER", "-i", "wu-+", "-m", "comment", "--comment", "weft: stale", "-j", "ACCEPT");
        IReadOnlyList<InterfaceRule> rules =
        [
            new("weft: wu-* into docker0 is Docker's to decide", "wu-*", "docker*", InterfaceVerdict.Return),
            new("weft: out of wu-*", "wu-*", null, InterfaceVerdict.Accept),
        ];
        Assert.True(ns.Run(() => LegacyIptables.ReplaceTagged("filter", "DOCKER-USER", "weft:", rules)));
        Assert.Equal(
            ["-N DOCKER-USER",
             "-A DOCKER-USER -i wu-+ -o docker+ -m comment --comment \"weft: wu-* into docker0 is Docker\\'s to decide\" -j RETURN",
             "-A DOCKER-USER -i wu-+ -m comment --comment \"weft: out of wu-*\" -j ACCEPT",
             "-A DOCKER-USER -j RETURN"],
            ns.Run(() => LegacyIptables.ListChain("filter", "DOCKER-USER")));
        Assert.False(ns.Run(() => LegacyIptables.ReplaceTagged("filter", "DOCKER-USER", "weft:", rules)), "equal: nothing written");

        Assert.True(ns.Run(() => LegacyIptables.ReplaceTagged("filter", "DOCKER-USER", "weft:", [])));
        Assert.Equal(["-N DOCKER-USER", "-A DOCKER-USER -j RETURN"], ns.Run(() => LegacyIptables.ListChain("filter", "DOCKER-USER")));
        Assert.Equal(new LegacyForward("ACCEPT", true), ns.Run(LegacyIptables.ReadForward));
    }

    private static void Legacy(Namespaces.NetworkNamespace ns, params string[] arguments)
    {
        var (exit, _, error) = ns.Run(() => FirewallTool.Run("/usr/sbin/iptables-legacy", ["-w", .. arguments], null, TimeSpan.FromSeconds(10), ""));
        Assert.True(exit == 0, error);
    }
}
