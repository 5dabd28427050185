using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Ipam;
using Weft.Core.Model;

namespace Weft.Core.Tests;

public class IpAllocatorTests
{
    private static readonly IPAddress[] None = [];

    private static AddressPool Pool(string subnet, string? gateway = null, string? range = null) =>
        AddressPool.From(new SubnetConfig
        {
            Subnet = T.Net(subnet),
            Gateway = gateway is null ? null : T.Ip(gateway),
            IPRange = range is null ? null : T.Net(range),
        });

    private static string[] Texts(IEnumerable<IPAddress> addresses) => addresses.Select(a => a.ToString()).ToArray();

    private static IPAddress[] Ips(params string[] texts) => texts.Select(T.Ip).ToArray();

    [Fact]
    public void A_fresh_29_hands_out_its_five_host_addresses_skipping_network_broadcast_and_gateway()
    {
        var pool = Pool("10.0.0.0/29", gateway: "10.0.0.1");
        Assert.Equal(
            ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"],
            Texts(IpAllocator.Candidates(pool, None, None)));
        Assert.Equal((UInt128)5, pool.Capacity);
    }

    [Fact]
    public void A_gateway_in_the_middle_is_skipped()
    {
        var pool = Pool("10.0.0.0/29", gateway: "10.0.0.4");
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6"], Texts(IpAllocator.Candidates(pool, None, None)));
    }

    [Fact]
    public void Taken_addresses_are_skipped_wherever_they_are()
    {
        var pool = Pool("10.0.0.0/29", gateway: "10.0.0.1");
        var taken = Ips("10.0.0.2", "10.0.0.6", "10.0.0.4", "10.0.0.1", "192.168.0.9");
        Assert.Equal(["10.0.0.3", "10.0.0.5"], Texts(IpAllocator.Candidates(pool, taken, None)));
    }

    [Fact]
    public void Released_addresses_come_last_oldest_release_first()
    {
        var pool = Pool("10.0.0.0/29", gateway: "10.0.0.1");
        var taken = Ips("10.0.0.2");
        var released = Ips("10.0.0.5", "10.0.0.3");
        Assert.Equal(
            ["10.0.0.4", "10.0.0.6", "10.0.0.5", "10.0.0.3"],
            Texts(IpAllocator.Candidates(pool, taken, released)));
    }

    [Fact]
    public void An_address_released_twice_counts_from_its_last_release_and_comes_once()
    {
        var pool = Pool("10.0.0.0/29", gateway: "10.0.0.1");
        var released = Ips("10.0.0.3", "10.0.0.4", "10.0.0.3");
        Assert.Equal(
            ["10.0.0.2", "10.0.0.5", "10.0.0.6", "10.0.0.4", "10.0.0.3"],
            Texts(IpAllocator.Candidates(pool, None, released)));
    }

    [Fact]
    public void A_released_address_that_was_taken_again_is_not_offered()
    {
        var pool = Pool("10.0.0.0/29", gateway: "10.0.0.1");
        var result = Texts(IpAllocator.Candidates(pool, Ips("10.0.0.3"), Ips("10.0.0.3", "10.0.0.9", "10.0.0.1")));
        Assert.Equal(["10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"], result);
    }

    [Fact]
    public void The_ip_range_narrows_automatic_allocation()
    {
        var pool = Pool("10.0.0.0/24", gateway: "10.0.0.1", range: "10.0.0.128/30");
        Assert.Equal(["10.0.0.128", "10.0.0.129", "10.0.0.130", "10.0.0.131"], Texts(IpAllocator.Candidates(pool, None, None)));
        Assert.Equal((UInt128)4, pool.Capacity);
    }

    [Fact]
    public void A_range_at_the_end_of_the_subnet_stops_before_broadcast_and_skips_a_gateway_inside_it()
    {
        var pool = Pool("10.0.0.0/24", gateway: "10.0.0.253", range: "10.0.0.252/30");
        Assert.Equal(["10.0.0.252", "10.0.0.254"], Texts(IpAllocator.Candidates(pool, None, None)));
    }

    [Fact]
    public void A_gateway_above_the_range_does_not_leak_addresses_beyond_it()
    {
        var pool = Pool("10.0.0.0/24", gateway: "10.0.0.254", range: "10.0.0.0/30");
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], Texts(IpAllocator.Candidates(pool, None, None)));
    }

    [Fact]
    public void IPv6_pools_skip_the_anycast_address_and_use_the_last_one()
    {
        var pool = Pool("fd00::/125", gateway: "fd00::1");
        Assert.Equal(["fd00::2", "fd00::3", "fd00::4", "fd00::5", "fd00::6", "fd00::7"], Texts(IpAllocator.Candidates(pool, None, None)));
    }

    [Fact]
    public void A_64_is_not_materialized()
    {
        var pool = Pool("fd00:1::/64", gateway: "fd00:1::1");
        Assert.Equal(["fd00:1::2", "fd00:1::3"], Texts(IpAllocator.Candidates(pool, Ips("fd00:1::4"), None).Take(2)));
        Assert.Equal(UInt128.Parse("18446744073709551614"), pool.Capacity);
    }

    [Fact]
    public void Finds_the_holes_in_a_16_with_thousands_taken()
    {
        var pool = Pool("10.1.0.0/16", gateway: "10.1.0.1");
        var subnet = T.Net("10.1.0.0/16");
        // Everything from 10.1.0.2 to 10.1.234.255 is taken except three holes.
        var holes = new HashSet<UInt128> { 1000, 30000, 59999 };
        var taken = Enumerable.Range(2, 60000).Select(i => (UInt128)i).Where(i => !holes.Contains(i)).Select(subnet.AddressAt).ToList();
        var released = new[] { subnet.AddressAt(100), subnet.AddressAt(30000) };

        var candidates = IpAllocator.Candidates(pool, taken, released).Take(4).ToArray();

        Assert.Equal(
            [subnet.AddressAt(1000), subnet.AddressAt(59999), subnet.AddressAt(60002), subnet.AddressAt(60003)],
            candidates);
    }

    [Fact]
    public void First_reports_exhaustion_naming_the_pool()
    {
        var pool = Pool("10.0.0.0/30", gateway: "10.0.0.1");
        Assert.Equal(T.Ip("10.0.0.2"), IpAllocator.First(pool, None, None));
        T.Rule(ErrorCodes.PoolExhausted, () => IpAllocator.First(pool, Ips("10.0.0.2"), None), "10.0.0.0/30", "all 1 ");
    }

    [Theory]
    [InlineData("10.0.0.5", null)]
    [InlineData("10.0.0.200", null)] // outside the ip range but inside the subnet: allowed, as in Docker
    [InlineData("10.0.1.5", ErrorCodes.IpOutOfRange)]
    [InlineData("fd00::5", ErrorCodes.IpOutOfRange)]
    [InlineData("10.0.0.0", ErrorCodes.IpReserved)]
    [InlineData("10.0.0.255", ErrorCodes.IpReserved)]
    [InlineData("10.0.0.1", ErrorCodes.IpReserved)]
    [InlineData("10.0.0.7", ErrorCodes.IpTaken)]
    public void Validates_static_requests(string requested, string? code)
    {
        var pool = Pool("10.0.0.0/24", gateway: "10.0.0.1", range: "10.0.0.0/25");
        var taken = new HashSet<IPAddress>(Ips("10.0.0.7"));
        void Request() => IpAllocator.ValidateStatic(pool, T.Ip(requested), taken);
        if (code is null)
        {
            Request();
        }
        else
        {
            T.Rule(code, Request, requested);
        }
    }

    [Fact]
    public void Pool_without_a_gateway_uses_every_usable_address()
    {
        Assert.Equal(["10.0.0.0", "10.0.0.1"], Texts(IpAllocator.Candidates(Pool("10.0.0.0/31"), None, None)));
        Assert.Equal(["10.0.0.9"], Texts(IpAllocator.Candidates(Pool("10.0.0.9/32"), None, None)));
    }

    /// <summary>
    /// Random allocate/release sequences against a simple model of the rules. Each step checks:
    /// no address is handed out twice, network/broadcast/gateway never are, never-used addresses
    /// come before released ones, released ones come back oldest first, and exhaustion is reported
    /// exactly when every assignable address is held.
    /// </summary>
    [Theory]
    [InlineData(1, "10.0.0.0/29", "10.0.0.1", null)]
    [InlineData(2, "10.0.0.0/28", "10.0.0.14", null)]
    [InlineData(3, "10.0.0.0/24", "10.0.0.1", "10.0.0.64/28")]
    [InlineData(4, "192.168.5.0/27", null, null)]
    [InlineData(5, "fd00::/124", "fd00::1", null)]
    [InlineData(6, "fd00::/120", "fd00::80", "fd00::80/123")]
    [InlineData(7, "10.0.0.0/31", null, null)]
    public void Random_allocation_sequences_keep_every_rule(int seed, string subnetText, string? gatewayText, string? rangeText)
    {
        var random = new Random(seed);
        var pool = Pool(subnetText, gatewayText, rangeText);
        var subnet = pool.Subnet;
        var allocatable = AllAllocatable(pool);
        Assert.Equal((UInt128)allocatable.Count, pool.Capacity);

        var taken = new HashSet<IPAddress>();
        var everUsed = new HashSet<IPAddress>();
        var released = new List<IPAddress>();

        for (var step = 0; step < 400; step++)
        {
            if (taken.Count > 0 && random.Next(3) == 0)
            {
                var victim = taken.ElementAt(random.Next(taken.Count));
                taken.Remove(victim);
                released.Add(victim);
                continue;
            }

            if (taken.Count == allocatable.Count)
            {
                T.Rule(ErrorCodes.PoolExhausted, () => IpAllocator.First(pool, taken, released));
                Assert.Empty(IpAllocator.Candidates(pool, taken, released));
                continue;
            }

            var address = IpAllocator.First(pool, taken, released);

            Assert.True(subnet.Contains(address));
            Assert.False(subnet.IsReservedAddress(address), $"{address} is reserved in {subnet}");
            Assert.NotEqual(pool.Gateway, address);
            Assert.Contains(address, allocatable);
            Assert.True(taken.Add(address), $"{address} was handed out twice");

            var neverUsedLeft = allocatable.Where(a => !everUsed.Contains(a)).ToList();
            if (neverUsedLeft.Count > 0)
            {
                Assert.DoesNotContain(address, everUsed);
                Assert.Equal(neverUsedLeft.Min(IpAddressMath.ToUInt128), IpAddressMath.ToUInt128(address));
            }
            else
            {
                // Oldest release (by its last release) among the free addresses.
                var expected = released
                    .Select((a, i) => (Address: a, Index: i))
                    .Where(r => !taken.Contains(r.Address) || r.Address.Equals(address))
                    .GroupBy(r => r.Address)
                    .Select(g => (g.Key, Last: g.Max(r => r.Index)))
                    .OrderBy(r => r.Last)
                    .First().Key;
                Assert.Equal(expected, address);
            }

            everUsed.Add(address);

            // Every candidate list is duplicate-free and lists exactly the free addresses.
            var candidates = IpAllocator.Candidates(pool, taken, released).ToList();
            Assert.Equal(candidates.Count, candidates.Distinct().Count());
            Assert.Equal(allocatable.Count - taken.Count, candidates.Count);
        }
    }

    private static List<IPAddress> AllAllocatable(AddressPool pool)
    {
        var subnet = pool.Subnet;
        var all = new List<IPAddress>();
        for (UInt128 offset = 0; offset <= subnet.LastOffset; offset++)
        {
            var address = subnet.AddressAt(offset);
            if (!subnet.IsReservedAddress(address) && !address.Equals(pool.Gateway)
                && (pool.IPRange is not { } range || range.Contains(address)))
            {
                all.Add(address);
            }
        }

        return all;
    }
}
