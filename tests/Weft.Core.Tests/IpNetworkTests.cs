using System.Numerics;
using System.Net.Sockets;
using Weft.Core.Addressing;
using Weft.Core.Errors;

namespace Weft.Core.Tests;

public class IpNetworkTests
{
    [Theory]
    [InlineData("10.0.0.0/24", AddressFamily.InterNetwork, 24)]
    [InlineData("0.0.0.0/0", AddressFamily.InterNetwork, 0)]
    [InlineData("10.0.0.7/32", AddressFamily.InterNetwork, 32)]
    [InlineData("fd00:1::/64", AddressFamily.InterNetworkV6, 64)]
    [InlineData("::/0", AddressFamily.InterNetworkV6, 0)]
    public void Parses_canonical_cidr(string text, AddressFamily family, int prefix)
    {
        var network = IpNetwork.Parse(text);
        Assert.Equal(family, network.Family);
        Assert.Equal(prefix, network.PrefixLength);
        Assert.Equal(text, network.ToString());
    }

    [Theory]
    [InlineData("10.0.10.5/24", "10.0.10.0/24")]
    [InlineData("192.168.1.1/16", "192.168.0.0/16")]
    [InlineData("fd00::1/64", "fd00::/64")]
    public void Refuses_host_bits_and_names_the_canonical_form(string text, string canonical) =>
        T.Rule(ErrorCodes.InvalidSubnet, () => IpNetwork.Parse(text), text, $"did you mean {canonical}?");

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/024")]
    [InlineData("10.0.0.0/ 24")]
    [InlineData("10.0/8")]
    [InlineData("fd00::/129")]
    [InlineData("/24")]
    [InlineData("")]
    public void Rejects_malformed_cidr(string text)
    {
        Assert.False(IpNetwork.TryParse(text, out _));
        T.Rule(ErrorCodes.InvalidSubnet, () => IpNetwork.Parse(text), $"'{text}'");
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.1", "10.0.0.254", "254")]
    [InlineData("10.0.0.0/30", "10.0.0.1", "10.0.0.2", "2")]
    [InlineData("10.0.0.0/31", "10.0.0.0", "10.0.0.1", "2")] // RFC 3021 point-to-point
    [InlineData("10.0.0.9/32", "10.0.0.9", "10.0.0.9", "1")]
    [InlineData("fd00::/120", "fd00::1", "fd00::ff", "255")] // no broadcast in IPv6
    [InlineData("fd00::/127", "fd00::1", "fd00::1", "1")]
    [InlineData("fd00::5/128", "fd00::5", "fd00::5", "1")]
    public void Usable_addresses_follow_the_family_rules(string cidr, string first, string last, string count)
    {
        var network = T.Net(cidr);
        Assert.Equal(T.Ip(first), network.FirstUsable);
        Assert.Equal(T.Ip(last), network.LastUsable);
        Assert.Equal(UInt128.Parse(count), network.UsableCount);
    }

    [Fact]
    public void Counts_and_indexes_addresses()
    {
        var network = T.Net("10.1.0.0/16");
        Assert.Equal(new BigInteger(65536), network.AddressCount);
        Assert.Equal(T.Ip("10.1.0.0"), network.BaseAddress);
        Assert.Equal(T.Ip("10.1.255.255"), network.LastAddress);
        Assert.Equal(T.Ip("10.1.1.4"), network.AddressAt(260));
        Assert.Equal((UInt128)260, network.OffsetOf(T.Ip("10.1.1.4")));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.AddressAt(65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.OffsetOf(T.Ip("10.2.0.0")));
        Assert.Equal(BigInteger.Pow(2, 128), T.Net("::/0").AddressCount);
        Assert.Equal(UInt128.MaxValue, T.Net("::/0").LastOffset);
        Assert.Equal(T.Ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), T.Net("::/0").LastAddress);
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0", true)]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    [InlineData("10.0.0.0/24", "9.255.255.255", false)]
    [InlineData("10.0.0.0/24", "::ffff:10.0.0.1", false)] // another family never matches
    [InlineData("fd00::/64", "fd00::ffff:1", true)]
    [InlineData("fd00::/64", "fd01::1", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    public void Contains_address(string cidr, string address, bool expected) =>
        Assert.Equal(expected, T.Net(cidr).Contains(T.Ip(address)));

    [Theory]
    [InlineData("10.0.0.0/16", "10.0.5.0/24", true, true)]
    [InlineData("10.0.5.0/24", "10.0.0.0/16", true, false)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false, false)]
    [InlineData("10.0.0.0/23", "10.0.1.0/24", true, true)]
    [InlineData("10.0.0.0/24", "10.0.0.0/24", true, true)]
    [InlineData("10.0.0.128/25", "10.0.0.0/25", false, false)]
    [InlineData("fd00::/48", "fd00:0:0:1::/64", true, true)]
    [InlineData("fd00::/64", "fd00:0:0:1::/64", false, false)]
    [InlineData("0.0.0.0/0", "::/0", false, false)]
    public void Overlaps_and_contains_networks(string a, string b, bool overlaps, bool aContainsB)
    {
        Assert.Equal(overlaps, T.Net(a).Overlaps(T.Net(b)));
        Assert.Equal(overlaps, T.Net(b).Overlaps(T.Net(a)));
        Assert.Equal(aContainsB, T.Net(a).Contains(T.Net(b)));
    }

    [Fact]
    public void Overlap_matches_a_brute_force_check_on_random_blocks()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var a = RandomBlock(random);
            var b = RandomBlock(random);
            // Two CIDR blocks overlap exactly when one contains the other's base address and is not smaller.
            var expected = (a.PrefixLength <= b.PrefixLength && a.Contains(b.BaseAddress))
                || (b.PrefixLength <= a.PrefixLength && b.Contains(a.BaseAddress));
            Assert.Equal(expected, a.Overlaps(b));
        }

        static IpNetwork RandomBlock(Random random)
        {
            // Small address space (10.0.0.0/20) so overlaps are common.
            var prefix = random.Next(20, 33);
            var address = T.Ip($"10.0.{random.Next(0, 16)}.{random.Next(0, 256)}");
            return IpNetwork.Containing(address, prefix);
        }
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0", true)]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.0.1", false)]
    [InlineData("10.0.0.0/31", "10.0.0.0", false)]
    [InlineData("fd00::/64", "fd00::", true)]
    [InlineData("fd00::/64", "fd00::ffff:ffff:ffff:ffff", false)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    public void Knows_reserved_addresses(string cidr, string address, bool reserved) =>
        Assert.Equal(reserved, T.Net(cidr).IsReservedAddress(T.Ip(address)));

    [Fact]
    public void Splits_into_subnets_lazily()
    {
        Assert.Equal(
            ["10.0.0.0/26", "10.0.0.64/26", "10.0.0.128/26", "10.0.0.192/26"],
            T.Net("10.0.0.0/24").Subnets(26).Select(n => n.ToString()));
        Assert.Equal(["10.0.0.0/24"], T.Net("10.0.0.0/24").Subnets(24).Select(n => n.ToString()));
        Assert.Equal(256, T.Net("255.255.0.0/16").Subnets(24).Count());
        // A /0 in /64s is 2^64 blocks; taking three must not walk them all.
        Assert.Equal("::/64 0:0:0:1::/64 0:0:0:2::/64", string.Join(' ', T.Net("::/0").Subnets(64).Take(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => T.Net("10.0.0.0/24").Subnets(23));
        Assert.Throws<ArgumentOutOfRangeException>(() => T.Net("10.0.0.0/24").Subnets(33));
    }

    [Fact]
    public void Containing_clears_host_bits()
    {
        Assert.Equal(T.Net("10.0.10.0/24"), IpNetwork.Containing(T.Ip("10.0.10.5"), 24));
        Assert.Equal(T.Net("fd00::/64"), IpNetwork.Containing(T.Ip("fd00::abcd"), 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => IpNetwork.Containing(T.Ip("10.0.0.1"), 33));
    }

    [Fact]
    public void Converts_to_and_from_the_framework_type()
    {
        var network = T.Net("172.20.0.0/14");
        var framework = network.ToSystemNetwork();
        Assert.Equal(System.Net.IPNetwork.Parse("172.20.0.0/14"), framework);
        Assert.Equal(network, IpNetwork.FromSystemNetwork(framework));
    }

    [Fact]
    public void Equality_and_order()
    {
        Assert.Equal(T.Net("10.0.0.0/24"), T.Net("10.0.0.0/24"));
        Assert.True(T.Net("10.0.0.0/24") != T.Net("10.0.0.0/25"));
        Assert.NotEqual(T.Net("0.0.0.0/0"), T.Net("::/0"));
        var sorted = new[] { "fd00::/64", "10.0.1.0/24", "10.0.0.0/24", "10.0.0.0/16" }.Select(T.Net).Order().Select(n => n.ToString());
        Assert.Equal(["10.0.0.0/16", "10.0.0.0/24", "10.0.1.0/24", "fd00::/64"], sorted);
        Assert.True(T.Net("10.0.0.0/24") < T.Net("10.0.1.0/24"));
    }
}
