using System.Net;
using Weft.Cluster.Tests.Infrastructure;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Store;

namespace Weft.Cluster.Tests;

public sealed class ConcurrencyTests_Etcd(EtcdFixture etcd) : ConcurrencyTests(new EtcdBackend(etcd)), IClassFixture<EtcdFixture>;

public sealed class ConcurrencyTests_Sqlite() : ConcurrencyTests(new SqliteBackend());

/// <summary>
/// DESIGN: "no duplicates under any concurrency". Every concurrent caller is a separate store client (its own
/// connections, its own SQLite writer), as separate agents would be, and all of them start together.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "xUnit1026:Theory methods should use all of their parameters", Justification = "The round only repeats the race.")]
public abstract class ConcurrencyTests(IStoreBackend backend) : ClusterTestBase(backend)
{
    /// <summary>
    /// Each race runs once in a normal run; scripts/test.sh runs them again WEFT_STRESS_ROUNDS times (20) with every core
    /// kept busy, since a race that goes wrong one time in twenty under load is a bug, not a flake.
    /// </summary>
    public static TheoryData<int> Rounds()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("WEFT_STRESS_ROUNDS"), out var n) && n > 0 ? n : 1;
        return [.. Enumerable.Range(1, rounds)];
    }

    private static async Task<List<(T? Value, WeftValidationException? Error)>> RaceAsync<T>(IClusterStore[] clients, Func<IClusterStore, int, Task<T>> call)
        where T : class
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = clients.Select((client, i) => Task.Run(async () =>
        {
            await start.Task;
            return await AttemptAsync(() => call(client, i));
        })).ToList();
        start.SetResult();
        return [.. await Task.WhenAll(tasks)];
    }

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task Of_16_concurrent_networks_with_overlapping_subnets_exactly_one_is_created(int repetition)
    {
        var clients = await OpenClientsAsync(16);

        // Different names; every subnet overlaps every other (all contain 10.40.0.0/24).
        var results = await RaceAsync(clients, (c, i) => new NetworkCatalog(c).CreateAsync(Overlay($"net{i}", $"10.40.0.0/{16 + (i % 8)}")));

        var winner = Assert.Single(results, r => r.Value is not null).Value!;
        Assert.All(results.Where(r => r.Error is not null), r => Assert.Equal(ErrorCodes.Overlap, r.Error!.Code));
        Assert.Equal(15, results.Count(r => r.Error is not null));
        Assert.Equal([ClusterKeys.Network(winner.Name)], await KeysAsync(ClusterKeys.Networks));
        Assert.Equal([ClusterKeys.Vni(256)], await KeysAsync(ClusterKeys.Vnis));
        Assert.Equal([ClusterKeys.Address(winner.Id, Ip("10.40.0.1"))], await KeysAsync(ClusterKeys.Ipam));
    }

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task A_sandbox_name_and_an_equal_alias_raced_on_one_network_never_both_win(int repetition)
    {
        var clients = await OpenClientsAsync(2);
        await Networks.CreateAsync(Overlay("race", "10.60.0.0/16"));
        for (var i = 0; i < 30; i++)
        {
            // Client 0 makes sandbox nI; client 1, in the same instant, sandbox aI with alias nI on the same network.
            var name = $"n{i}";
            var results = await RaceAsync(clients, (c, k) =>
            {
                var sandbox = Sandbox(k == 0 ? name : $"a{i}", $"host-{k}");
                var join = Join("race", sandbox.HostId, name: sandbox.Name) with { SandboxId = sandbox.Id, Aliases = k == 0 ? [] : [name.ToUpperInvariant()] };
                return new SandboxCatalog(c).CreateAsync(sandbox, [join]);
            });

            var won = Assert.Single(results, r => r.Value is not null);
            var lost = Assert.Single(results, r => r.Error is not null);
            Assert.Equal(ErrorCodes.Duplicate, lost.Error!.Code);
            var snapshot = ClusterSnapshot.FromListing(await Store.ListAsync(ClusterKeys.Root));
            var holders = snapshot.Endpoints.Values.Count(e =>
                string.Equals(e.ContainerName, name, StringComparison.OrdinalIgnoreCase) || e.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase));
            Assert.True(holders == 1, $"round {i}: {holders} endpoints hold the DNS name {name} ({won.Value!.Endpoints[0].ContainerName} won)");
        }
    }

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task Of_16_concurrent_networks_with_one_name_exactly_one_is_created(int repetition)
    {
        var clients = await OpenClientsAsync(16);

        // Disjoint subnets, so only the name conflicts.
        var results = await RaceAsync(clients, (c, i) => new NetworkCatalog(c).CreateAsync(Overlay("same", $"10.50.{i}.0/24")));

        var winner = Assert.Single(results, r => r.Value is not null).Value!;
        Assert.All(results.Where(r => r.Error is not null), r => Assert.Equal(ErrorCodes.Duplicate, r.Error!.Code));
        var stored = RecordCodec.Network((await Store.GetAsync(ClusterKeys.Network("same")))!.Value)!;
        Assert.Equal(winner.Id, stored.Id);
        // No loser left a VNI or a gateway allocation behind.
        Assert.Equal([ClusterKeys.Vni(256)], await KeysAsync(ClusterKeys.Vnis));
        Assert.Single(await KeysAsync(ClusterKeys.Ipam));
    }

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task Sixteen_concurrent_distinct_networks_are_all_created_with_distinct_VNIs(int repetition)
    {
        var clients = await OpenClientsAsync(16);

        var results = await RaceAsync(clients, (c, i) => new NetworkCatalog(c).CreateAsync(Overlay($"n{i}", $"10.60.{i}.0/24")));

        Assert.All(results, r => Assert.True(r.Error is null, r.Error?.ToString()));
        Assert.Equal(Enumerable.Range(256, 16), results.Select(r => r.Value!.Vni!.Value).Order());
        Assert.Equal(16, (await KeysAsync(ClusterKeys.Vnis)).Count);
    }

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task Of_64_concurrent_endpoints_on_a_26_exactly_61_get_distinct_addresses_and_the_rest_pool_exhausted(int repetition)
    {
        var network = await Networks.CreateAsync(Overlay("small", "10.70.0.0/26"));
        var clients = await OpenClientsAsync(64);

        var results = await RaceAsync(clients, (c, i) => new EndpointCatalog(c).CreateAsync(Join("small", hostId: $"host-{i % 4}")));

        var created = results.Where(r => r.Value is not null).Select(r => r.Value!).ToList();
        var errors = results.Where(r => r.Error is not null).Select(r => r.Error!).ToList();
        Assert.True(created.Count == 61, $"{created.Count} created; errors: {string.Join("; ", errors.Select(e => e.ToString()).Distinct())}");
        Assert.All(errors, e => Assert.Equal(ErrorCodes.PoolExhausted, e.Code));
        Assert.Equal(61, created.Select(e => e.Address!).Distinct().Count());
        Assert.All(created, e => Assert.True(network.Subnets[0].Subnet.Contains(e.Address!) && !e.Address!.Equals(Ip("10.70.0.1"))));

        // The store agrees: one endpoint record per winner, and every address key names the endpoint that holds it.
        var endpoints = (await Store.ListAsync(ClusterKeys.EndpointsPrefix(network.Id))).Items
            .Select(kv => RecordCodec.Endpoint(kv.Value)!).ToDictionary(e => e.Id);
        Assert.Equal(created.Select(e => e.Id).Order(), endpoints.Keys.Order());
        var allocations = (await Store.ListAsync(ClusterKeys.IpamPrefix(network.Id))).Items;
        Assert.Equal(62, allocations.Count);
        foreach (var kv in allocations)
        {
            var address = IPAddress.Parse(ClusterKeys.LastSegment(kv.Key));
            var owner = RecordCodec.Allocation(kv.Value)!;
            if (address.Equals(Ip("10.70.0.1")))
            {
                Assert.Equal((AllocationOwnerKind.Gateway, network.Id), (owner.OwnerKind, owner.OwnerId));
                continue;
            }
            Assert.Equal(AllocationOwnerKind.Endpoint, owner.OwnerKind);
            Assert.True(endpoints.TryGetValue(owner.OwnerId, out var holder), $"{address} is held by {owner.OwnerId}, which has no endpoint");
            Assert.Equal(address, holder.Address);
            Assert.Equal(holder.HostId, owner.HostId);
        }
    }

    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task A_network_removed_while_endpoints_join_never_leaves_an_endpoint_without_its_network(int repetition)
    {
        var clients = await OpenClientsAsync(9);
        for (var round = 0; round < 5; round++)
        {
            var network = await Networks.CreateAsync(Overlay($"race{round}", $"10.71.{round}.0/24"));

            // Eight joins and one plain (not forced) removal, all at once.
            var results = await RaceAsync(clients, async (c, i) => i == 0
                ? await new NetworkCatalog(c).RemoveAsync(network.Name, force: false).ContinueWith(t => { t.GetAwaiter().GetResult(); return (object)"removed"; })
                : await new EndpointCatalog(c).CreateAsync(Join(network.Name)));

            var removal = results[0];
            var joined = results.Skip(1).Where(r => r.Value is not null).Select(r => (EndpointRecord)r.Value!).ToList();
            Assert.All(results.Skip(1).Where(r => r.Error is not null), r => Assert.Equal(ErrorCodes.NotFound, r.Error!.Code));
            var endpointKeys = await KeysAsync(ClusterKeys.EndpointsPrefix(network.Id));
            if (removal.Error is null)
            {
                // Removed: no join may have succeeded, and nothing of the network is left.
                Assert.Empty(joined);
                Assert.Null(await Store.GetAsync(ClusterKeys.Network(network.Name)));
                Assert.DoesNotContain((await DumpAsync()).Keys, k => k.Contains(network.Id, StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal(ErrorCodes.InUse, removal.Error.Code);
                Assert.NotEmpty(joined);
                Assert.NotNull(await Store.GetAsync(ClusterKeys.Network(network.Name)));
            }
            Assert.Equal(joined.Select(e => ClusterKeys.Endpoint(network.Id, e.Id)).Order(StringComparer.Ordinal), endpointKeys.Order(StringComparer.Ordinal));
        }
    }
}
