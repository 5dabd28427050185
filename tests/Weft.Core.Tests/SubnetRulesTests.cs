using Weft.Core.Errors;
using Weft.Core.Ipam;
using Weft.Core.Model;

namespace Weft.Core.Tests;

public class SubnetRulesTests
{
    private static SubnetConfig Config(string subnet, string? gateway = null, string? range = null) => new()
    {
        Subnet = T.Net(subnet),
        Gateway = gateway is null ? null : T.Ip(gateway),
        IPRange = range is null ? null : T.Net(range),
    };

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.1", null)]
    [InlineData("10.0.0.0/24", "10.0.0.254", "10.0.0.0/25")]
    [InlineData("10.0.0.0/30", "10.0.0.1", null)]
    [InlineData("10.0.0.0/31", null, null)]
    [InlineData("10.0.0.8/32", null, null)]
    [InlineData("fd00:1::/64", "fd00:1::1", "fd00:1::/80")]
    [InlineData("fd00::/126", "fd00::1", null)]
    public void Accepts_valid_configs(string subnet, string? gateway, string? range) =>
        SubnetRules.Validate(Config(subnet, gateway, range));

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.1.1", ErrorCodes.InvalidGateway, "is not in subnet 10.0.0.0/24")]
    [InlineData("10.0.0.0/24", "fd00::1", ErrorCodes.InvalidGateway, "is not in subnet")]
    [InlineData("10.0.0.0/24", "10.0.0.0", ErrorCodes.InvalidGateway, "network address")]
    [InlineData("10.0.0.0/24", "10.0.0.255", ErrorCodes.InvalidGateway, "broadcast address")]
    [InlineData("10.0.0.0/31", "10.0.0.1", ErrorCodes.InvalidGateway, "no room")]
    [InlineData("10.0.0.1/32", "10.0.0.1", ErrorCodes.InvalidGateway, "no room")]
    [InlineData("fd00::/127", "fd00::1", ErrorCodes.InvalidGateway, "no room")]
    [InlineData("fd00::/64", "fd00::", ErrorCodes.InvalidGateway, "network address")]
    public void Rejects_bad_gateways(string subnet, string gateway, string code, string mention) =>
        T.Rule(code, () => SubnetRules.Validate(Config(subnet, gateway)), gateway, mention);

    [Theory]
    [InlineData("10.0.0.0/31", "2 address(es)", "/30")]
    [InlineData("10.0.0.8/32", "1 address(es)", "/30")]
    [InlineData("fd00::/127", "2 address(es)", "/126")]
    [InlineData("fd00::5/128", "1 address(es)", "/126")]
    public void A_new_network_refuses_subnets_with_no_room_for_a_gateway_and_an_endpoint(string subnet, string size, string smallest) =>
        T.Rule(ErrorCodes.InvalidSubnet, () => SubnetRules.EnsureRoomForGateway(T.Net(subnet)), subnet, size, smallest);

    [Theory]
    [InlineData("10.0.0.0/30")]
    [InlineData("fd00::/126")]
    public void The_smallest_subnets_with_room_for_a_gateway_are_accepted(string subnet) => SubnetRules.EnsureRoomForGateway(T.Net(subnet));

    [Fact]
    public void An_explicit_subnet_overlapping_any_hosts_route_is_refused_naming_the_route_and_host_and_default_routes_do_not_count()
    {
        HostRoute[] routes = [new("h1", T.Net("0.0.0.0/0")), new("h1", T.Net("198.18.0.0/24")), new("h2", T.Net("10.5.0.0/16"))];
        var error = T.Rule(ErrorCodes.Overlap, () => SubnetRules.EnsureNoHostRouteOverlap([Config("10.5.3.0/24")], routes), "10.5.3.0/24", "10.5.0.0/16", "'h2'");
        T.Rule(ErrorCodes.Overlap, () => SubnetRules.EnsureNoHostRouteOverlap([Config("198.18.0.0/16")], routes), "198.18.0.0/24", "'h1'");
        SubnetRules.EnsureNoHostRouteOverlap([Config("10.6.0.0/24")], routes);
        Assert.DoesNotContain("0.0.0.0/0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.1.0/25", "is not inside subnet")]
    [InlineData("10.0.0.0/24", "10.0.0.0/23", "is not inside subnet")]
    [InlineData("10.0.0.0/24", "fd00::/64", "is not inside subnet")]
    [InlineData("10.0.0.0/24", "10.0.0.0/32", "leaves no address")]
    [InlineData("10.0.0.0/24", "10.0.0.1/32", "leaves no address")] // only the gateway
    public void Rejects_bad_ip_ranges(string subnet, string range, string mention) =>
        T.Rule(ErrorCodes.InvalidIPRange, () => SubnetRules.Validate(Config(subnet, "10.0.0.1", range)), range, mention);

    [Theory]
    [InlineData("127.0.0.0/24", "loopback")]
    [InlineData("224.1.0.0/16", "multicast")]
    [InlineData("169.254.0.0/24", "link-local")]
    [InlineData("0.0.0.0/0", "this network")]
    [InlineData("fe80::/64", "link-local")]
    [InlineData("ff02::/64", "multicast")]
    [InlineData("::ffff:0:0/104", "IPv4-mapped")]
    public void Rejects_special_purpose_blocks(string subnet, string mention) =>
        T.Rule(ErrorCodes.InvalidSubnet, () => SubnetRules.Validate(Config(subnet)), subnet, mention);

    [Fact]
    public void Default_gateway_is_the_first_usable_address()
    {
        Assert.Equal(T.Ip("10.0.0.1"), SubnetRules.DefaultGateway(T.Net("10.0.0.0/24")));
        Assert.Equal(T.Ip("fd00::1"), SubnetRules.DefaultGateway(T.Net("fd00::/64")));
    }

    [Fact]
    public void Overlap_between_networks_names_both_subnets_and_the_other_network()
    {
        var backend = TestRecords.Overlay("backend", "10.0.0.0/16");
        var mine = new[] { Config("10.0.5.0/24") };
        T.Rule(ErrorCodes.Overlap, () => SubnetRules.EnsureNoOverlap("new-id", mine, [backend]), "10.0.5.0/24", "10.0.0.0/16", "'backend'");
        SubnetRules.EnsureNoOverlap(backend.Id, mine, [backend]); // a network does not clash with its own old record
        SubnetRules.EnsureNoOverlap("new-id", [Config("10.1.0.0/24"), Config("fd00::/64")], [backend]);
    }

    [Fact]
    public void Overlap_inside_one_network_is_refused()
    {
        T.Rule(ErrorCodes.Overlap, () => SubnetRules.EnsureNoOverlap("id", [Config("10.0.0.0/24"), Config("10.0.0.128/25")], []), "10.0.0.128/25", "same network");
        T.Rule(ErrorCodes.Overlap, () => SubnetRules.EnsureNoOverlap("id", [Config("fd00::/48"), Config("fd00:0:0:5::/64")], []), "fd00::/48");
    }

    [Fact]
    public void FindOverlap_returns_the_first_clash_or_null()
    {
        var routes = new[] { T.Net("192.168.1.0/24"), T.Net("10.0.0.0/8"), T.Net("10.1.0.0/16") };
        Assert.Equal(T.Net("10.0.0.0/8"), SubnetRules.FindOverlap(T.Net("10.1.2.0/24"), routes));
        Assert.Null(SubnetRules.FindOverlap(T.Net("172.16.0.0/24"), routes));
    }
}
