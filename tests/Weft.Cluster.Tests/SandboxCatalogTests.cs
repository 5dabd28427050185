using Weft.Core.Errors;
using Weft.Cluster.Tests.Infrastructure;

namespace Weft.Cluster.Tests;

public sealed class SandboxCatalogTests_Etcd(EtcdFixture etcd) : SandboxCatalogTests(new EtcdBackend(etcd)), IClassFixture<EtcdFixture>;

public sealed class SandboxCatalogTests_Sqlite() : SandboxCatalogTests(new SqliteBackend());

/// <summary>Sandbox names are what DNS answers for, so they are unique across the whole cluster.</summary>
public abstract class SandboxCatalogTests(IStoreBackend backend) : ClusterTestBase(backend)
{
    [Fact]
    public async Task A_name_used_on_one_host_is_refused_on_another()
    {
        var first = Sandbox("web", "host-a");
        await Sandboxes.CreateAsync(first, []);

        var error = await RefusedAsync(ErrorCodes.Duplicate, () => new SandboxCatalog(Store).CreateAsync(Sandbox("web", "host-b"), []));
        Assert.Contains("web", error.Message, StringComparison.Ordinal);
        Assert.Contains("host-a", error.Message, StringComparison.Ordinal);

        var stored = await Sandboxes.GetAsync("web");
        Assert.Equal((first.Id, "host-a"), (stored!.Id, stored.HostId));
    }

    [Fact]
    public async Task Removing_with_a_stale_id_leaves_the_newer_sandbox_of_that_name()
    {
        var old = Sandbox("web", "host-a");
        await Sandboxes.CreateAsync(old, []);
        await Sandboxes.RemoveAsync("web", old.Id, []);
        Assert.Null(await Sandboxes.GetAsync("web"));
        var newer = Sandbox("web", "host-b");
        await Sandboxes.CreateAsync(newer, []);

        await Sandboxes.RemoveAsync("web", old.Id, []); // a late retry from the old sandbox's host

        Assert.Equal(newer.Id, (await Sandboxes.GetAsync("web"))!.Id);
        await Sandboxes.RemoveAsync("web", newer.Id, []);
        Assert.Empty(await KeysAsync(ClusterKeys.Sandboxes));
    }

    [Fact]
    public async Task Updating_keeps_the_name_and_never_overwrites_another_sandbox_that_took_it()
    {
        var mine = Sandbox("web", "host-a");
        await Sandboxes.CreateAsync(mine, []);
        await Sandboxes.UpdateAsync(mine with { Pid = 1234 });
        Assert.Equal(1234, (await Sandboxes.GetAsync("web"))!.Pid);

        // The sandbox goes away and another host takes the name; a late update from the first host must not win.
        await Sandboxes.RemoveAsync("web", mine.Id, []);
        var theirs = Sandbox("web", "host-b");
        await Sandboxes.CreateAsync(theirs, []);
        await RefusedAsync(ErrorCodes.NotFound, () => Sandboxes.UpdateAsync(mine with { Pid = 99 }));

        Assert.Equal(theirs.Id, (await Sandboxes.GetAsync("web"))!.Id);
    }

    [Fact]
    public async Task An_alias_that_is_another_sandboxs_name_is_refused_in_the_transaction_and_nothing_is_written()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        await Sandboxes.CreateAsync(Sandbox("db", "host-a"), []);
        var before = await DumpAsync();

        var app = Sandbox("app", "host-b");
        var error = await RefusedAsync(ErrorCodes.Duplicate,
            () => Sandboxes.CreateAsync(app, [Join("blue", "host-b", name: "app") with { SandboxId = app.Id, Aliases = ["DB"] }]));

        Assert.Contains("alias 'DB'", error.Message, StringComparison.Ordinal);
        Assert.Contains("sandbox 'db'", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task A_repeated_alias_and_the_sandboxs_own_name_as_alias_are_stored_once()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        var web = Sandbox("web", "host-a");

        var reservation = await Sandboxes.CreateAsync(web, [Join("blue", name: "web") with { SandboxId = web.Id, Aliases = ["api", "API", "web", "api"] }]);

        Assert.Equal(["api"], reservation.Endpoints[0].Aliases);
        var stored = RecordCodec.Endpoint((await Store.GetAsync(ClusterKeys.Endpoint(reservation.Endpoints[0].NetworkId, reservation.Endpoints[0].Id)))!.Value)!;
        Assert.Equal(["api"], stored.Aliases);
    }
    private async Task<Reservation> RunAsync(string name, string network, params string[] aliases)
    {
        var sandbox = Sandbox(name, "host-a");
        return await Sandboxes.CreateAsync(sandbox, [Join(network, name: name) with { SandboxId = sandbox.Id, Aliases = aliases }]);
    }

    [Fact]
    public async Task A_name_that_is_a_live_alias_on_the_network_is_refused_and_free_again_once_the_alias_is_gone()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        var web = await RunAsync("web", "blue", "db");
        var before = await DumpAsync();

        var error = await RefusedAsync(ErrorCodes.Duplicate, () => RunAsync("DB", "blue"));
        Assert.Contains("is an alias of 'web' on network 'blue'", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync());

        // The alias's claim stays after its endpoint goes (others may share an alias); it blocks nothing then.
        await Sandboxes.RemoveAsync("web", web.Endpoints[0].SandboxId, [EndpointKey.Of(web.Endpoints[0])]);
        var db = await RunAsync("db", "blue");
        Assert.Equal("name " + db.Endpoints[0].Id, (await DumpAsync())[ClusterKeys.DnsName(db.Endpoints[0].NetworkId, "db")]);
    }

    [Fact]
    public async Task Aliases_may_be_shared_a_name_claim_goes_with_its_sandbox_and_every_claim_with_the_network()
    {
        var blue = await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        var a = await RunAsync("a", "blue", "api");
        await RunAsync("b", "blue", "API"); // round robin, as Docker's aliases

        Assert.Equal([ClusterKeys.DnsName(blue.Id, "a"), ClusterKeys.DnsName(blue.Id, "api"), ClusterKeys.DnsName(blue.Id, "b")], await KeysAsync(ClusterKeys.DnsNames));
        await Sandboxes.RemoveAsync("a", a.Endpoints[0].SandboxId, [EndpointKey.Of(a.Endpoints[0])]);
        Assert.DoesNotContain(ClusterKeys.DnsName(blue.Id, "a"), await KeysAsync(ClusterKeys.DnsNames));

        await Networks.RemoveAsync("blue", force: true);
        Assert.Empty(await KeysAsync(ClusterKeys.DnsNames));
    }

    [Fact]
    public async Task Endpoints_written_before_claims_existed_are_removed_and_checked_as_before()
    {
        await Networks.CreateAsync(Overlay("blue", "10.20.0.0/24"));
        var old = await RunAsync("old", "blue", "legacy");
        await Store.DeletePrefixAsync(ClusterKeys.DnsNames); // a store written by an agent without name claims

        await RunAsync("new", "blue", "legacy");
        await Sandboxes.RemoveAsync("old", old.Endpoints[0].SandboxId, [EndpointKey.Of(old.Endpoints[0])]);

        Assert.Null(await Sandboxes.GetAsync("old"));
        Assert.Equal(["new"], (await SnapshotAsync()).Sandboxes.Keys.Order(StringComparer.Ordinal));
    }
}
