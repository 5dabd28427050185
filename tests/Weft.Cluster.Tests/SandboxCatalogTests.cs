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
}
