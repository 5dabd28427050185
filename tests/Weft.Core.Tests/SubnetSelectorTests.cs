using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Ipam;

namespace Weft.Core.Tests;

public class SubnetSelectorTests
{
    private static readonly IpNetwork[] Nothing = [];

    private static DefaultAddressPool Pool(string baseCidr, int size) => new(T.Net(baseCidr), size);

    [Fact]
    public void Default_pool_is_10_10_in_24s_clear_of_dockers_bridge_pools()
    {
        var pool = Assert.Single(DefaultAddressPool.Defaults);
        Assert.Equal(T.Net("10.10.0.0/16"), pool.Base);
        Assert.Equal(24, pool.Size);
        foreach (var docker in new[] { "172.17.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "10.0.0.0/24", "198.18.0.0/15" })
        {
            Assert.False(pool.Base.Overlaps(T.Net(docker)), docker);
        }

        Assert.Equal(T.Net("10.10.0.0/24"), SubnetSelector.Select(DefaultAddressPool.Defaults, Nothing, Nothing));
    }

    [Fact]
    public void Skips_subnets_of_existing_networks()
    {
        var inUse = new[] { T.Net("10.10.0.0/24"), T.Net("10.10.1.128/25"), T.Net("10.10.3.0/24") };
        Assert.Equal(
            ["10.10.2.0/24", "10.10.4.0/24", "10.10.5.0/24"],
            SubnetSelector.Candidates(DefaultAddressPool.Defaults, inUse, Nothing).Take(3).Select(n => n.ToString()));
    }

    [Fact]
    public void Skips_host_routes_but_ignores_default_routes()
    {
        var routes = new[] { T.Net("0.0.0.0/0"), T.Net("10.10.0.0/23"), T.Net("10.10.2.7/32"), T.Net("::/0") };
        Assert.Equal(T.Net("10.10.3.0/24"), SubnetSelector.Select(DefaultAddressPool.Defaults, Nothing, routes));
    }

    [Fact]
    public void A_route_covering_the_whole_pool_moves_on_to_the_next_pool()
    {
        var pools = new[] { Pool("10.10.0.0/16", 24), Pool("10.20.0.0/16", 24) };
        Assert.Equal(T.Net("10.20.0.0/24"), SubnetSelector.Select(pools, Nothing, [T.Net("10.8.0.0/13")]));
    }

    [Fact]
    public void Reports_exhaustion_naming_the_pools()
    {
        var pools = new[] { Pool("10.10.0.0/23", 24) };
        Assert.Equal(T.Net("10.10.1.0/24"), SubnetSelector.Select(pools, [T.Net("10.10.0.0/24")], Nothing));
        T.Rule(ErrorCodes.SubnetPoolExhausted, () => SubnetSelector.Select(pools, [T.Net("10.10.0.0/24")], [T.Net("10.10.1.0/24")]), "10.10.0.0/23 split into /24");
    }

    [Fact]
    public void Works_for_IPv6_pools()
    {
        var pools = new[] { Pool("fd00:abcd::/48", 64) };
        Assert.Equal(T.Net("fd00:abcd:0:1::/64"), SubnetSelector.Select(pools, [T.Net("fd00:abcd::/64"), T.Net("10.10.0.0/16")], Nothing));
    }

    [Fact]
    public void Jumping_over_blockers_matches_a_block_by_block_check()
    {
        var random = new Random(11);
        for (var round = 0; round < 200; round++)
        {
            var pool = Pool("10.64.0.0/18", random.Next(20, 27));
            var blockers = Enumerable.Range(0, random.Next(0, 30))
                .Select(_ => IpNetwork.Containing(T.Ip($"10.{random.Next(62, 66)}.{random.Next(256)}.{random.Next(256)}"), random.Next(14, 33)))
                .ToList();
            var expected = pool.Base.Subnets(pool.Size).Where(s => !blockers.Any(b => b.Overlaps(s))).ToList();
            var actual = SubnetSelector.Candidates([pool], blockers.Take(blockers.Count / 2), blockers.Skip(blockers.Count / 2)).ToList();
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void A_huge_pool_with_many_networks_is_walked_without_testing_every_block()
    {
        // 10.0.0.0/8 in /24s is 65536 blocks; 60000 are in use.
        var inUse = T.Net("10.0.0.0/8").Subnets(24).Take(60000).ToList();
        Assert.Equal(T.Net("10.234.96.0/24"), SubnetSelector.Select([Pool("10.0.0.0/8", 24)], inUse, Nothing));
    }

    [Theory]
    [InlineData("10.10.0.0/16", 15)]
    [InlineData("10.10.0.0/16", 31)]
    [InlineData("fd00::/48", 127)]
    public void Pools_must_split_into_usable_subnets(string baseCidr, int size) =>
        T.Rule(ErrorCodes.InvalidPool, () => Pool(baseCidr, size), baseCidr, $"/{size}");
}
