using Weft.Cluster.Tests.Infrastructure;
using Weft.Core.Errors;
using Weft.Core.Model;

namespace Weft.Cluster.Tests;

public sealed class NetworkCatalogTests_Etcd(EtcdFixture etcd) : NetworkCatalogTests(new EtcdBackend(etcd)), IClassFixture<EtcdFixture>;

public sealed class NetworkCatalogTests_Sqlite() : NetworkCatalogTests(new SqliteBackend());

/// <summary>Creating and removing networks: VNI and gateway allocation, and the conflicts a user gets told about.</summary>
public abstract class NetworkCatalogTests(IStoreBackend backend) : ClusterTestBase(backend)
{
    [Fact]
    public async Task An_overlay_gets_the_first_VNI_and_its_gateway_is_the_first_usable_address_held_in_IPAM()
    {
        var blue = await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));

        Assert.Equal(256, blue.Vni);
        Assert.Equal(NetworkScope.Global, blue.Scope);
        var subnet = Assert.Single(blue.Subnets);
        Assert.Equal(Ip("10.20.0.1"), subnet.Gateway);

        var stored = RecordCodec.Network((await Store.GetAsync(ClusterKeys.Network("blue")))!.Value)!;
        Assert.Equal((blue.Id, 256, Ip("10.20.0.1")), (stored.Id, stored.Vni!.Value, stored.Subnets[0].Gateway!));

        var gateway = RecordCodec.Allocation((await Store.GetAsync(ClusterKeys.Address(blue.Id, Ip("10.20.0.1"))))!.Value)!;
        Assert.Equal((AllocationOwnerKind.Gateway, blue.Id), (gateway.OwnerKind, gateway.OwnerId));
        var vni = RecordCodec.Allocation((await Store.GetAsync(ClusterKeys.Vni(256)))!.Value)!;
        Assert.Equal((AllocationOwnerKind.Network, blue.Id), (vni.OwnerKind, vni.OwnerId));

        var red = await Networks.CreateAsync(Overlay("red", "10.21.0.0/24"));
        Assert.Equal(257, red.Vni);
        Assert.NotEqual(blue.Id, red.Id);
    }

    [Fact]
    public async Task A_duplicate_name_is_refused_and_nothing_is_written()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        var before = await DumpAsync();

        await RefusedAsync(ErrorCodes.Duplicate, () => Networks.CreateAsync(Overlay("blue", "10.99.0.0/24")));

        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task An_overlapping_subnet_is_refused_and_nothing_is_written()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        var before = await DumpAsync();

        var error = await RefusedAsync(ErrorCodes.Overlap, () => Networks.CreateAsync(Overlay("wide", "10.20.0.0/16")));
        Assert.Contains("blue", error.Message, StringComparison.Ordinal);
        await RefusedAsync(ErrorCodes.Overlap, () => Networks.CreateAsync(Overlay("narrow", "10.20.0.128/25")));

        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task An_automatic_subnet_comes_from_10_10_in_24s_and_avoids_every_hosts_routes_and_networks()
    {
        // Another host's routes, as its agent published them: 10.10.0.0/24 and 10.10.2.0/23 are in use over there.
        var other = new HostInfoRecord
        {
            Id = "host-z",
            Name = "z",
            UnderlayAddress = "198.18.0.9",
            Incarnation = 1,
            Routes = [Net("0.0.0.0/0"), Net("10.10.0.0/24"), Net("10.10.2.0/23")],
        };
        await Store.PutAsync(ClusterKeys.HostInfoOf(other.Id), RecordCodec.Encode(other));

        var first = await Networks.CreateAsync(Overlay("auto1"));
        var second = await Networks.CreateAsync(Overlay("auto2"));

        Assert.Equal(Net("10.10.1.0/24"), Assert.Single(first.Subnets).Subnet);
        Assert.Equal(Ip("10.10.1.1"), first.Subnets[0].Gateway);
        Assert.Equal(Net("10.10.4.0/24"), Assert.Single(second.Subnets).Subnet);
        Assert.NotNull(await Store.GetAsync(ClusterKeys.Address(second.Id, Ip("10.10.4.1"))));
    }

    [Fact]
    public async Task A_requested_VNI_that_is_taken_is_refused_and_nothing_is_written()
    {
        var mine = await Networks.CreateAsync(Overlay("mine", "10.20.0.0/24", vni: 4242));
        Assert.Equal(4242, mine.Vni);
        var before = await DumpAsync();

        await RefusedAsync(ErrorCodes.VniTaken, () => Networks.CreateAsync(Overlay("theirs", "10.21.0.0/24", vni: 4242)));

        Assert.Equal(before, await DumpAsync());
        // Automatic allocation still starts at 256, not after the requested one.
        Assert.Equal(256, (await Networks.CreateAsync(Overlay("auto", "10.22.0.0/24"))).Vni);
    }

    [Fact]
    public async Task Removing_a_network_with_endpoints_is_refused_and_nothing_is_removed()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        await Endpoints.CreateAsync(Join("blue", name: "web"));
        var before = await DumpAsync();

        var error = await RefusedAsync(ErrorCodes.InUse, () => Networks.RemoveAsync("blue", force: false));
        Assert.Contains("web", error.Message, StringComparison.Ordinal);

        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task Forced_removal_takes_the_network_VNI_addresses_released_list_and_endpoints_with_it()
    {
        var blue = await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        var red = await Networks.CreateAsync(Overlay("red", "10.21.0.0/24"));
        var gone = await Endpoints.CreateAsync(Join("blue"));
        await Endpoints.CreateAsync(Join("blue", hostId: "host-b"));
        await Endpoints.CreateAsync(Join("red"));
        await Endpoints.RemoveAsync(gone); // leaves a released record behind
        Assert.NotEmpty(await KeysAsync(ClusterKeys.ReleasedPrefix(blue.Id)));
        var redBefore = (await DumpAsync()).Where(kv => kv.Key.Contains(red.Id, StringComparison.Ordinal) || kv.Key == ClusterKeys.Network("red")).ToList();

        await Networks.RemoveAsync("blue", force: true);

        var left = await DumpAsync();
        Assert.DoesNotContain(ClusterKeys.Network("blue"), left.Keys);
        Assert.DoesNotContain(ClusterKeys.Vni(256), left.Keys);
        Assert.DoesNotContain(left.Keys, k => k.Contains(blue.Id, StringComparison.Ordinal));
        Assert.DoesNotContain(left.Values, v => v.Contains(blue.Id, StringComparison.Ordinal));
        // The other network is untouched.
        Assert.Equal(redBefore, left.Where(kv => kv.Key.Contains(red.Id, StringComparison.Ordinal) || kv.Key == ClusterKeys.Network("red")).ToList());

        // Its name, subnet and VNI are free again.
        var again = await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        Assert.Equal(256, again.Vni);
    }

    [Fact]
    public async Task Removing_an_empty_network_frees_its_subnet_and_removing_an_unknown_one_is_not_found()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        await Networks.RemoveAsync("blue", force: false);
        Assert.Empty(await KeysAsync(ClusterKeys.Networks));
        await Networks.CreateAsync(Overlay("green", "10.20.0.0/24"));

        await RefusedAsync(ErrorCodes.NotFound, () => Networks.RemoveAsync("nope", force: false));
        await RefusedAsync(ErrorCodes.NotFound, () => Networks.RemoveAsync("blue", force: true));
    }

    [Fact]
    public async Task A_bridge_network_gets_no_VNI_and_host_networks_no_addresses()
    {
        var bridge = await Networks.CreateAsync(new NetworkSpec { Name = "local", Driver = NetworkDriver.Bridge, Subnets = Overlay("x", "10.30.0.0/24").Subnets });
        Assert.Null(bridge.Vni);
        Assert.Empty(await KeysAsync(ClusterKeys.Vnis));
        var host = await Networks.CreateAsync(new NetworkSpec { Name = "hostnet", Driver = NetworkDriver.Host });
        Assert.Empty(host.Subnets);
        var endpoint = await Endpoints.CreateAsync(Join("hostnet"));
        Assert.Null(endpoint.Address);
    }

    [Theory]
    [InlineData(NetworkDriver.Host)]
    [InlineData(NetworkDriver.Null)]
    public async Task Host_and_null_networks_are_local_with_no_subnet_VNI_or_IPAM(NetworkDriver driver)
    {
        var network = await Networks.CreateAsync(new NetworkSpec { Name = "plain", Driver = driver });

        Assert.Equal((NetworkScope.Local, (int?)null, (int?)null), (network.Scope, network.Vni, network.Mtu));
        Assert.Empty(network.Subnets);
        Assert.Empty(await KeysAsync(ClusterKeys.Vnis));
        Assert.Empty(await KeysAsync(ClusterKeys.IpamPrefix(network.Id)));
        // Endpoints on it count like any others: a network in use is not removed without force.
        await Endpoints.CreateAsync(Join("plain", name: "s"));
        await RefusedAsync(ErrorCodes.InUse, () => Networks.RemoveAsync("plain", force: false));
    }

    [Fact]
    public async Task Settings_a_driver_has_no_use_for_are_refused_by_name_and_nothing_is_written()
    {
        var subnet = Overlay("x", "10.30.0.0/24").Subnets;
        var before = await DumpAsync();

        var error = await RefusedAsync(ErrorCodes.InvalidNetwork, () => Networks.CreateAsync(new NetworkSpec { Name = "h", Driver = NetworkDriver.Host, Subnets = subnet }));
        Assert.Equal("network 'h': the host driver manages no addresses, so it takes no subnet (--subnet, --gateway, --ip-range)", error.Message);
        Assert.Contains("null driver", (await RefusedAsync(ErrorCodes.InvalidNetwork, () => Networks.CreateAsync(new NetworkSpec { Name = "n", Driver = NetworkDriver.Null, Subnets = subnet }))).Message, StringComparison.Ordinal);
        Assert.Contains("--mtu", (await RefusedAsync(ErrorCodes.InvalidNetwork, () => Networks.CreateAsync(new NetworkSpec { Name = "h", Driver = NetworkDriver.Host, Mtu = 9000 }))).Message, StringComparison.Ordinal);
        Assert.Contains("--mtu", (await RefusedAsync(ErrorCodes.InvalidNetwork, () => Networks.CreateAsync(new NetworkSpec { Name = "n", Driver = NetworkDriver.Null, Mtu = 1500 }))).Message, StringComparison.Ordinal);
        Assert.Contains("--internal", (await RefusedAsync(ErrorCodes.InvalidNetwork, () => Networks.CreateAsync(new NetworkSpec { Name = "h", Driver = NetworkDriver.Host, Internal = true }))).Message, StringComparison.Ordinal);
        Assert.Contains("only overlay networks have a VNI", (await RefusedAsync(ErrorCodes.InvalidVni, () => Networks.CreateAsync(new NetworkSpec { Name = "h", Driver = NetworkDriver.Host, Vni = 300 }))).Message, StringComparison.Ordinal);
        // A bridge's VNI was dropped without a word before; it is refused now too.
        await RefusedAsync(ErrorCodes.InvalidVni, () => Networks.CreateAsync(new NetworkSpec { Name = "b", Driver = NetworkDriver.Bridge, Subnets = subnet, Vni = 300 }));

        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task An_explicit_subnet_overlapping_any_hosts_route_is_refused_with_overlap_and_nothing_is_written()
    {
        // Another host's routes as its agent published them: its underlay /24 among them.
        var other = new HostInfoRecord { Id = "host-z", Name = "z", UnderlayAddress = "198.18.7.9", Incarnation = 1, Routes = [Net("0.0.0.0/0"), Net("198.18.7.0/24")] };
        await Store.PutAsync(ClusterKeys.HostInfoOf(other.Id), RecordCodec.Encode(other));
        var before = await DumpAsync();

        var error = await RefusedAsync(ErrorCodes.Overlap, () => Networks.CreateAsync(Overlay("under", "198.18.7.0/24")));
        Assert.Contains("198.18.7.0/24 of host 'z'", error.Message, StringComparison.Ordinal);
        await RefusedAsync(ErrorCodes.Overlap, () => Networks.CreateAsync(new NetworkSpec { Name = "b", Driver = NetworkDriver.Bridge, Subnets = Overlay("x", "198.18.0.0/16").Subnets }));

        Assert.Equal(before, await DumpAsync());
        await Networks.CreateAsync(Overlay("fine", "10.30.0.0/24")); // the default route counts for nothing
    }

    [Theory]
    [InlineData("a..b", ErrorCodes.InvalidName, null, "empty DNS label")]
    [InlineData("b.", ErrorCodes.InvalidName, null, "empty DNS label")]
    [InlineData("p2p", ErrorCodes.InvalidSubnet, "10.30.0.0/31", "too small")]
    [InlineData("host", ErrorCodes.InvalidSubnet, "10.30.0.9/32", "too small")]
    [InlineData("p2p6", ErrorCodes.InvalidSubnet, "fd00:30::/127", "too small")]
    [InlineData("host6", ErrorCodes.InvalidSubnet, "fd00:30::9/128", "too small")]
    public async Task Names_with_empty_labels_and_subnets_too_small_for_a_gateway_are_refused_and_nothing_is_written(string name, string code, string? subnet, string mention)
    {
        var before = await DumpAsync();

        var error = await RefusedAsync(code, () => Networks.CreateAsync(Overlay(name, subnet)));

        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
        Assert.Contains(subnet ?? name, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task A_second_subnet_is_refused_rather_than_stored_and_never_used()
    {
        var before = await DumpAsync();
        var dual = new NetworkSpec { Name = "ds", Subnets = [.. Overlay("x", "10.0.40.0/24").Subnets, .. Overlay("y", "fd00:40::/64").Subnets] };

        var error = await RefusedAsync(ErrorCodes.InvalidSubnet, () => Networks.CreateAsync(dual));

        Assert.Contains("fd00:40::/64", error.Message, StringComparison.Ordinal);
        Assert.Contains("dual stack", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task The_MTU_option_is_the_networks_MTU_and_unknown_or_encrypted_options_are_refused_by_name()
    {
        var before = await DumpAsync();
        await RefusedAsync(ErrorCodes.InvalidNetwork, () => Networks.CreateAsync(Overlay("enc") with { Options = new Dictionary<string, string> { ["encrypted"] = "true" } }));
        var unknown = await RefusedAsync(ErrorCodes.InvalidNetwork, () => Networks.CreateAsync(Overlay("col") with { Options = new Dictionary<string, string> { ["colour"] = "blue" } }));
        Assert.Contains("'colour'", unknown.Message, StringComparison.Ordinal);
        await RefusedAsync(ErrorCodes.InvalidMtu, () => Networks.CreateAsync(Overlay("both") with { Mtu = 1500, Options = new Dictionary<string, string> { [NetworkOptions.Mtu] = "1400" } }));
        Assert.Equal(before, await DumpAsync());

        var created = await Networks.CreateAsync(Overlay("small", "10.30.0.0/24") with { Options = new Dictionary<string, string> { [NetworkOptions.Mtu] = "1400" } });

        var stored = RecordCodec.Network((await Store.GetAsync(ClusterKeys.Network("small")))!.Value)!;
        Assert.Equal((1400, 1400), (created.Mtu!.Value, stored.Mtu!.Value));
        Assert.Equal("1400", stored.Options[NetworkOptions.Mtu]);
    }
}
