using Weft.Cluster.Tests.Infrastructure;
using Weft.Core.Errors;
using Weft.Core.Model;

namespace Weft.Cluster.Tests;

public sealed class EndpointCatalogTests_Etcd(EtcdFixture etcd) : EndpointCatalogTests(new EtcdBackend(etcd)), IClassFixture<EtcdFixture>;

public sealed class EndpointCatalogTests_Sqlite() : EndpointCatalogTests(new SqliteBackend());

/// <summary>Addresses as a user sees them: which one comes next, static requests, and what removal gives back.</summary>
public abstract class EndpointCatalogTests(IStoreBackend backend) : ClusterTestBase(backend)
{
    private async Task<EndpointRecord> JoinAsync(string network) => await Endpoints.CreateAsync(Join(network));

    [Fact]
    public async Task Never_used_addresses_come_first_then_released_ones_longest_released_first()
    {
        // /28: .1 is the gateway, .2 to .14 are the 13 automatic addresses.
        await Networks.CreateAsync(Overlay("n", "10.80.0.0/28"));
        var a = await JoinAsync("n");
        var b = await JoinAsync("n");
        var c = await JoinAsync("n");
        Assert.Equal([Ip("10.80.0.2"), Ip("10.80.0.3"), Ip("10.80.0.4")], new[] { a, b, c }.Select(e => e.Address));

        // Released in an order that is neither address order nor allocation order.
        await Endpoints.RemoveAsync(c);
        await Task.Delay(20);
        await Endpoints.RemoveAsync(a);

        var next = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            next.Add((await JoinAsync("n")).Address!.ToString());
        }
        Assert.Equal(["10.80.0.5", "10.80.0.6", "10.80.0.7", "10.80.0.8", "10.80.0.9", "10.80.0.10", "10.80.0.11", "10.80.0.12",
            "10.80.0.13", "10.80.0.14", "10.80.0.4", "10.80.0.2"], next);
        // Re-used addresses are no longer in the released list.
        Assert.Empty(await KeysAsync(ClusterKeys.Released));

        await RefusedAsync(ErrorCodes.PoolExhausted, () => JoinAsync("n"));
    }

    [Fact]
    public async Task A_static_address_is_given_when_free_and_refused_with_the_IPAM_codes_otherwise()
    {
        var network = await Networks.CreateAsync(Overlay("n", "10.81.0.0/24"));
        var fixedOne = await Endpoints.CreateAsync(Join("n", ip: "10.81.0.100"));
        Assert.Equal(Ip("10.81.0.100"), fixedOne.Address);
        var owner = RecordCodec.Allocation((await Store.GetAsync(ClusterKeys.Address(network.Id, Ip("10.81.0.100"))))!.Value)!;
        Assert.Equal(fixedOne.Id, owner.OwnerId);
        var before = await DumpAsync();

        await RefusedAsync(ErrorCodes.IpTaken, () => Endpoints.CreateAsync(Join("n", ip: "10.81.0.100")));
        await RefusedAsync(ErrorCodes.IpOutOfRange, () => Endpoints.CreateAsync(Join("n", ip: "10.82.0.5")));
        await RefusedAsync(ErrorCodes.IpReserved, () => Endpoints.CreateAsync(Join("n", ip: "10.81.0.1")));
        await RefusedAsync(ErrorCodes.IpReserved, () => Endpoints.CreateAsync(Join("n", ip: "10.81.0.0")));
        await RefusedAsync(ErrorCodes.IpReserved, () => Endpoints.CreateAsync(Join("n", ip: "10.81.0.255")));
        await RefusedAsync(ErrorCodes.NotFound, () => Endpoints.CreateAsync(Join("missing")));
        Assert.Equal(before, await DumpAsync());

        // Automatic allocation skips the static address.
        var auto = await JoinAsync("n");
        Assert.Equal(Ip("10.81.0.2"), auto.Address);
    }

    [Theory]
    [InlineData(NetworkDriver.Host)]
    [InlineData(NetworkDriver.Null)]
    public async Task On_a_network_without_addresses_a_static_address_or_an_alias_is_refused_not_ignored(NetworkDriver driver)
    {
        await Networks.CreateAsync(new NetworkSpec { Name = "plain", Driver = driver });
        var before = await DumpAsync();

        var ip = await RefusedAsync(ErrorCodes.InvalidAddress, () => Endpoints.CreateAsync(Join("plain", ip: "10.0.0.5")));
        Assert.Contains("10.0.0.5", ip.Message, StringComparison.Ordinal);
        var alias = await RefusedAsync(ErrorCodes.InvalidAlias, () => Endpoints.CreateAsync(Join("plain") with { Aliases = ["web"] }));
        Assert.Contains("'web'", alias.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync());

        Assert.Null((await JoinAsync("plain")).Address);
    }

    [Fact]
    public async Task Removing_an_endpoint_frees_its_address_with_a_released_record_and_removing_it_again_is_harmless()
    {
        var network = await Networks.CreateAsync(Overlay("n", "10.83.0.0/24"));
        var endpoint = await JoinAsync("n");
        var other = await JoinAsync("n");
        Assert.NotNull(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, endpoint.Id)));

        await Endpoints.RemoveAsync(endpoint);

        Assert.Null(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, endpoint.Id)));
        Assert.Null(await Store.GetAsync(ClusterKeys.Address(network.Id, endpoint.Address!)));
        var released = await Store.GetAsync(ClusterKeys.ReleasedAddress(network.Id, endpoint.Address!));
        Assert.NotNull(released);
        Assert.NotNull(RecordCodec.Released(released.Value));
        var after = await DumpAsync();

        await Endpoints.RemoveAsync(endpoint);

        Assert.Equal(after, await DumpAsync());
        Assert.NotNull(await Store.GetAsync(ClusterKeys.Address(network.Id, other.Address!)));
    }

    [Fact]
    public async Task Removing_a_stale_endpoint_never_frees_the_address_now_held_by_another()
    {
        // /30: .1 gateway, .2 the only automatic address.
        var network = await Networks.CreateAsync(Overlay("n", "10.84.0.0/30"));
        var first = await JoinAsync("n");
        await Endpoints.RemoveAsync(first);
        var second = await JoinAsync("n");
        Assert.Equal(first.Address, second.Address);

        await Endpoints.RemoveAsync(first); // e.g. a retried removal after a crash

        var holder = RecordCodec.Allocation((await Store.GetAsync(ClusterKeys.Address(network.Id, second.Address!)))!.Value)!;
        Assert.Equal(second.Id, holder.OwnerId);
        Assert.NotNull(await Store.GetAsync(ClusterKeys.Endpoint(network.Id, second.Id)));
        Assert.Null(await Store.GetAsync(ClusterKeys.ReleasedAddress(network.Id, second.Address!)));
    }

    [Fact]
    public async Task Removing_an_endpoint_of_a_network_that_was_force_removed_leaves_nothing_behind()
    {
        var network = await Networks.CreateAsync(Overlay("n", "10.85.0.0/24"));
        var endpoint = await JoinAsync("n");
        await Networks.RemoveAsync("n", force: true);
        var before = await DumpAsync();

        await Endpoints.RemoveAsync(endpoint); // its host unplugs it after seeing the network go

        var after = await DumpAsync();
        Assert.Equal(before, after);
        Assert.DoesNotContain(after.Keys, k => k.Contains(network.Id, StringComparison.Ordinal));
    }
}
