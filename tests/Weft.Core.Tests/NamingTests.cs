using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Naming;

namespace Weft.Core.Tests;

public class NameRulesTests
{
    [Theory]
    [InlineData("frontend")]
    [InlineData("my_net.v2-a")]
    [InlineData("0")]
    [InlineData("A")]
    public void Accepts_docker_style_names(string name)
    {
        NameRules.ValidateNetworkName(name);
        NameRules.ValidateSandboxName(name);
    }

    [Fact]
    public void Accepts_names_up_to_63_characters() => NameRules.ValidateNetworkName(new string('n', 63));

    [Theory]
    [InlineData("", "empty")]
    [InlineData(".", "must start with a letter or digit")]
    [InlineData("..", "must start with a letter or digit")]
    [InlineData("-net", "must start with a letter or digit")]
    [InlineData("_net", "must start with a letter or digit")]
    [InlineData("a/b", "'/'")]
    [InlineData("../etc", "must start")]
    [InlineData("a b", "' '")]
    [InlineData("caf\u00e9", "'\u00e9'")]
    [InlineData("a:b", "':'")]
    public void Rejects_names_that_are_unsafe_as_files_keys_or_kernel_names(string name, string why) =>
        T.Rule(ErrorCodes.InvalidName, () => NameRules.ValidateNetworkName(name), $"network name '{name}'", why);

    [Theory]
    [InlineData("a..b")]
    [InlineData("b.")]
    [InlineData("a.b..")]
    public void Rejects_names_with_an_empty_DNS_label_for_networks_and_sandboxes(string name)
    {
        // NAME.NETWORK and a sandbox's search domain would hold an empty label, which breaks DNS search.
        T.Rule(ErrorCodes.InvalidName, () => NameRules.ValidateNetworkName(name), $"network name '{name}'", "empty DNS label");
        T.Rule(ErrorCodes.InvalidName, () => NameRules.ValidateSandboxName(name), $"sandbox name '{name}'", "empty DNS label");
    }

    [Fact]
    public void Rejects_names_over_63_characters_and_says_the_limit()
    {
        var name = new string('n', 64);
        T.Rule(ErrorCodes.InvalidName, () => NameRules.ValidateSandboxName(name), "sandbox name", "64 characters", "limit is 63");
    }

    [Theory]
    [InlineData("node-1", true)]
    [InlineData("node1.example.com", true)]
    [InlineData("N1", true)]
    [InlineData("node_1", false)] // '_' is the netns separator
    [InlineData("-node", false)]
    [InlineData("node-", false)]
    [InlineData("node..x", false)]
    [InlineData(".node", false)]
    [InlineData("", false)]
    public void Host_names_are_rfc1123(string name, bool valid)
    {
        Assert.Equal(valid, NameRules.IsValidHostName(name));
        if (!valid)
        {
            T.Rule(ErrorCodes.InvalidName, () => NameRules.ValidateHostName(name), $"host name '{name}'");
        }
    }

    [Fact]
    public void Host_names_are_at_most_63_characters()
    {
        Assert.True(NameRules.IsValidHostName(new string('h', 63)));
        Assert.False(NameRules.IsValidHostName(new string('h', 64)));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("web.svc.local")]
    [InlineData("my_service")]
    public void Accepts_dns_aliases(string alias) => NameRules.ValidateAlias(alias);

    [Theory]
    [InlineData("")]
    [InlineData("web..local")]
    [InlineData("web.")]
    [InlineData("-web")]
    [InlineData("we b")]
    public void Rejects_bad_aliases(string alias) =>
        T.Rule(ErrorCodes.InvalidAlias, () => NameRules.ValidateAlias(alias), $"alias '{alias}'");

    [Fact]
    public void Rejects_aliases_with_labels_over_63_octets() =>
        T.Rule(ErrorCodes.InvalidAlias, () => NameRules.ValidateAlias(new string('a', 64) + ".local"), "longer than 63");
}

public class WeftIdsTests
{
    [Fact]
    public void New_ids_are_64_lowercase_hex_and_distinct()
    {
        var a = WeftIds.New();
        Assert.Matches("^[0-9a-f]{64}$", a);
        Assert.NotEqual(a, WeftIds.New());
        Assert.True(WeftIds.IsValid(a));
        Assert.Equal(a[..12], WeftIds.Short(a));
        Assert.Equal("abc", WeftIds.Short("abc"));
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("k8s_pod.1-a", true)] // CNI container ids are free-form
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("-a", false)]
    public void Validates_foreign_ids_as_safe_key_segments(string id, bool valid)
    {
        Assert.Equal(valid, WeftIds.IsValid(id));
        if (!valid)
        {
            T.Rule(ErrorCodes.InvalidId, () => WeftIds.Validate(id, "endpoint"), $"endpoint id '{id}'");
        }
    }

    [Fact]
    public void Ids_longer_than_128_are_refused() => Assert.False(WeftIds.IsValid(new string('a', 129)));
}

public class KernelNamesTests
{
    [Fact]
    public void Veth_names_are_short_stable_and_prefixed()
    {
        var id = WeftIds.New();
        var host = KernelNames.VethHostName(id);
        Assert.Matches("^wv[0-9a-f]{8}$", host);
        Assert.Equal(host, KernelNames.VethHostName(id));
        Assert.Equal("wc" + host[2..], KernelNames.VethContainerName(id));
        Assert.True(KernelNames.IsVethHostName(host));
        Assert.True(KernelNames.IsValidInterfaceName(host));
        Assert.NotEqual(host, KernelNames.VethHostName(WeftIds.New()));
    }

    [Fact]
    public void Veth_name_is_a_known_function_of_the_id()
    {
        // SHA-256("endpoint-1") begins 6e9679ab. Pinned so the name never changes between versions:
        // an agent must recognise the veths an older agent made.
        Assert.Equal("wv6e9679ab", KernelNames.VethHostName("endpoint-1"));
        Assert.Equal(MacAddress.Parse("02:57:6e:96:79:ab"), MacAddress.ForEndpoint("endpoint-1"));
    }

    [Theory]
    [InlineData(256, "vx-256")]
    [InlineData(16_777_215, "vx-16777215")]
    [InlineData(1, "vx-1")]
    public void Vxlan_device_names_fit_ifnamsiz(int vni, string expected)
    {
        var name = KernelNames.VxlanDeviceName(vni);
        Assert.Equal(expected, name);
        Assert.True(name.Length <= KernelNames.MaxInterfaceNameLength);
        Assert.True(KernelNames.TryParseVxlanDeviceName(name, out var parsed));
        Assert.Equal(vni, parsed);
    }

    [Theory]
    [InlineData("vx-")]
    [InlineData("vx-0256")]
    [InlineData("vx-abc")]
    [InlineData("vx-16777216")]
    [InlineData("vxlan0")]
    [InlineData("vx--1")]
    public void Foreign_vxlan_names_are_not_claimed(string name) =>
        Assert.False(KernelNames.TryParseVxlanDeviceName(name, out _));

    [Fact]
    public void Vxlan_name_needs_a_valid_vni() =>
        T.Rule(ErrorCodes.InvalidVni, () => KernelNames.VxlanDeviceName(0), "VNI 0");

    [Fact]
    public void Local_bridge_names_come_from_the_network_id()
    {
        var name = KernelNames.LocalBridgeName("net-1");
        Assert.Matches("^wb-[0-9a-f]{8}$", name);
        Assert.True(KernelNames.IsValidInterfaceName(name));
    }

    [Fact]
    public void Namespace_names_carry_host_and_network_and_split_back()
    {
        var name = KernelNames.NetworkNamespaceName("node-1", "my-net");
        Assert.Equal("weft-node-1_my-net", name);
        Assert.True(KernelNames.TryParseNetworkNamespaceName(name, out var host, out var network));
        Assert.Equal(("node-1", "my-net"), (host, network));
        Assert.False(KernelNames.TryParseSandboxNamespaceName(name, out _, out _));
    }

    [Fact]
    public void Namespace_names_of_different_hosts_never_collide()
    {
        // With '-' as the separator, host "node" + network "1-net" and host "node-1" + network "net"
        // would both be "weft-node-1-net". '_' cannot occur in a host name, so they differ.
        Assert.NotEqual(KernelNames.NetworkNamespaceName("node", "1_net"), KernelNames.NetworkNamespaceName("node-1", "net"));
        Assert.True(KernelNames.TryParseNetworkNamespaceName(KernelNames.NetworkNamespaceName("node", "1_net"), out var host, out var network));
        Assert.Equal(("node", "1_net"), (host, network));
    }

    [Fact]
    public void Sandbox_and_network_namespaces_never_collide()
    {
        var sandbox = KernelNames.SandboxNamespaceName("node-1", "web");
        Assert.Equal("weftsb-node-1_web", sandbox);
        Assert.NotEqual(sandbox, KernelNames.NetworkNamespaceName("node-1", "web"));
        Assert.True(KernelNames.TryParseSandboxNamespaceName(sandbox, out var host, out var name));
        Assert.Equal(("node-1", "web"), (host, name));
        Assert.False(KernelNames.TryParseNetworkNamespaceName(sandbox, out _, out _));
    }

    [Fact]
    public void The_host_namespace_pin_is_named_after_the_host_and_is_never_a_network_or_sandbox_namespace()
    {
        var pin = KernelNames.HostNamespaceName("node-1");
        Assert.Equal("weft-node-1", pin);
        Assert.True(KernelNames.TryParseHostNamespaceName(pin, out var host));
        Assert.Equal("node-1", host);
        Assert.False(KernelNames.TryParseNetworkNamespaceName(pin, out _, out _));
        Assert.False(KernelNames.TryParseSandboxNamespaceName(pin, out _, out _));
        // A network called "host" on node-1 has a namespace of its own name, which no pin ever takes.
        Assert.NotEqual(pin, KernelNames.NetworkNamespaceName("node-1", "host"));
        T.Rule(ErrorCodes.InvalidName, () => KernelNames.HostNamespaceName("node_1"), "host name 'node_1'");
    }

    [Theory]
    [InlineData("weft-node-1_net")]
    [InlineData("weftsb-node-1_web")]
    [InlineData("weft-")]
    [InlineData("weft-node_1")]
    [InlineData("wtt12-host2")]
    [InlineData(null)]
    public void Other_names_are_not_taken_for_a_host_namespace_pin(string? name) =>
        Assert.False(KernelNames.TryParseHostNamespaceName(name, out _));

    [Fact]
    public void Longest_namespace_name_stays_well_under_name_max()
    {
        var name = KernelNames.NetworkNamespaceName(new string('h', 63), new string('n', 63));
        Assert.Equal(132, name.Length);
    }

    [Theory]
    [InlineData("weft-")]
    [InlineData("weft-node")]
    [InlineData("weft-_net")]
    [InlineData("weft-node_")]
    [InlineData("weft-no_de_net/x")]
    [InlineData("docker-node_net")]
    [InlineData(null)]
    public void Foreign_namespace_names_are_not_claimed(string? name) =>
        Assert.False(KernelNames.TryParseNetworkNamespaceName(name, out _, out _));

    [Fact]
    public void Namespace_names_validate_their_parts()
    {
        T.Rule(ErrorCodes.InvalidName, () => KernelNames.NetworkNamespaceName("node_1", "net"), "host name 'node_1'");
        T.Rule(ErrorCodes.InvalidName, () => KernelNames.NetworkNamespaceName("node", "../x"), "network name '../x'");
    }

    [Theory]
    [InlineData("eth0", true)]
    [InlineData("123456789012345", true)]
    [InlineData("1234567890123456", false)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a:b", false)]
    [InlineData("a b", false)]
    public void Interface_names_follow_the_kernel(string name, bool valid)
    {
        Assert.Equal(valid, KernelNames.IsValidInterfaceName(name));
        if (!valid)
        {
            T.Rule(ErrorCodes.InvalidInterfaceName, () => KernelNames.ValidateInterfaceName(name), $"'{name}'");
        }
    }

    [Fact]
    public void Sandbox_interfaces_are_eth_n() =>
        Assert.Equal(["eth0", "eth1", "eth12"], new[] { 0, 1, 12 }.Select(KernelNames.SandboxInterfaceName));
}
