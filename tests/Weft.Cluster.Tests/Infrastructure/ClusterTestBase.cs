using System.Diagnostics;
using System.Net;
using System.Text;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Store;

namespace Weft.Cluster.Tests.Infrastructure;

/// <summary>
/// What every cluster test needs: a store (etcd or SQLite, chosen by the subclass), more independent clients of it,
/// and helpers to create networks and endpoints and to look at the raw keys. Whatever a test starts (registrations,
/// views) is stopped here even when the test fails.
/// </summary>
public abstract class ClusterTestBase(IStoreBackend backend) : IAsyncLifetime
{
    private readonly List<IClusterStore> _opened = [];
    private readonly List<Func<Task>> _cleanups = [];

    protected IStoreBackend Backend { get; } = backend;

    protected IClusterStore Store { get; private set; } = null!;

    protected NetworkCatalog Networks => new(Store);

    protected EndpointCatalog Endpoints => new(Store);

    protected SandboxCatalog Sandboxes => new(Store);

    public async Task InitializeAsync()
    {
        Store = await OpenClientAsync();
        if (Backend.Shared)
        {
            await Store.DeletePrefixAsync(ClusterKeys.Root);
        }
    }

    public async Task DisposeAsync()
    {
        for (var i = _cleanups.Count - 1; i >= 0; i--)
        {
            try
            {
                await _cleanups[i]();
            }
            catch (Exception e) when (e is StoreException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
        await Backend.DisposeAsync();
    }

    /// <summary>Another client of the same store: its own connections, as another agent would have.</summary>
    protected async Task<IClusterStore> OpenClientAsync()
    {
        var store = await Backend.OpenAsync();
        lock (_opened)
        {
            _opened.Add(store);
        }
        return store;
    }

    protected async Task<IClusterStore[]> OpenClientsAsync(int count)
    {
        var clients = new IClusterStore[count];
        for (var i = 0; i < count; i++)
        {
            clients[i] = await OpenClientAsync();
        }
        return clients;
    }

    protected void OnCleanup(Func<Task> cleanup) => _cleanups.Add(cleanup);

    protected static IPAddress Ip(string text) => IPAddress.Parse(text);

    protected static IpNetwork Net(string text) => IpNetwork.Parse(text);

    protected static NetworkSpec Overlay(string name, string? subnet = null, int? vni = null) => new()
    {
        Name = name,
        Subnets = subnet is null ? [] : [new SubnetConfig { Subnet = IpNetwork.Parse(subnet) }],
        Vni = vni,
    };

    protected static EndpointSpec Join(string network, string hostId = "host-a", string? ip = null, string? name = null) => new()
    {
        NetworkName = network,
        SandboxId = WeftIds.New(),
        HostId = hostId,
        InterfaceName = "eth0",
        ContainerName = name,
        Address = ip is null ? null : IPAddress.Parse(ip),
    };

    protected static SandboxRecord Sandbox(string name, string hostId) => new()
    {
        Id = WeftIds.New(),
        Name = name,
        HostId = hostId,
        NetworkNamespace = $"/run/netns/{name}",
        CreatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>Every key under <paramref name="prefix"/> with its value as text, to compare the store before and after.</summary>
    protected async Task<SortedDictionary<string, string>> DumpAsync(string prefix = ClusterKeys.Root)
    {
        var listing = await Store.ListAsync(prefix);
        var dump = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in listing.Items)
        {
            dump[kv.Key] = Encoding.UTF8.GetString(kv.Value);
        }
        return dump;
    }

    protected async Task<List<string>> KeysAsync(string prefix) => [.. (await Store.ListAsync(prefix)).Items.Select(kv => kv.Key)];

    /// <summary>Asserts the call is refused with this code, and returns the error.</summary>
    protected static async Task<WeftValidationException> RefusedAsync(string code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<WeftValidationException>(call);
        Assert.True(code == error.Code, $"expected code '{code}', got '{error.Code}': {error.Message}");
        return error;
    }

    /// <summary>Runs the call and captures a rule violation instead of throwing it.</summary>
    protected static async Task<(T? Value, WeftValidationException? Error)> AttemptAsync<T>(Func<Task<T>> call) where T : class
    {
        try
        {
            return (await call(), null);
        }
        catch (WeftValidationException e)
        {
            return (null, e);
        }
    }

    /// <summary>Polls until the condition holds; a generous liveness bound, never a timing assertion.</summary>
    protected static async Task EventuallyAsync(Func<Task<bool>> condition, string what, double timeoutSeconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed.TotalSeconds > timeoutSeconds)
            {
                Assert.Fail($"{what}: not true after {timeoutSeconds} s");
            }
            await Task.Delay(50);
        }
    }

    protected static Task EventuallyAsync(Func<bool> condition, string what, double timeoutSeconds = 30) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, timeoutSeconds);

    /// <summary>Starts a view on its own client, stopped at cleanup; waits until it has loaded.</summary>
    protected async Task<ClusterView> StartViewAsync(IClusterStore? store = null, TimeSpan? relist = null)
    {
        var view = new ClusterView(store ?? await OpenClientAsync(), relist);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => view.RunAsync(stop.Token));
        OnCleanup(async () =>
        {
            await stop.CancelAsync();
            await run;
            stop.Dispose();
        });
        await EventuallyAsync(() => view.Loaded || run.IsCompleted, "view loaded");
        if (run.IsFaulted)
        {
            await run;
        }
        return view;
    }

    /// <summary>Registers a host on its own client with a short TTL; withdrawn at cleanup.</summary>
    protected async Task<HostRegistration> RegisterAsync(string hostId, TimeSpan? ttl = null, IReadOnlyList<IpNetwork>? routes = null, IClusterStore? store = null)
    {
        var underlay = new Underlay(IPAddress.Parse("198.18.0." + (Math.Abs(StringComparer.Ordinal.GetHashCode(hostId)) % 250 + 1)), "eth0", 1500, routes ?? []);
        var registration = new HostRegistration(store ?? await OpenClientAsync(), new HostIdentity(hostId, "name-" + hostId, underlay), "test", ttl ?? TimeSpan.FromSeconds(2));
        OnCleanup(async () =>
        {
            await registration.StopAsync(withdraw: true);
            await registration.DisposeAsync();
        });
        await registration.StartAsync(CancellationToken.None);
        return registration;
    }

    protected async Task<HostInfoRecord?> HostInfoAsync(string hostId) =>
        await Store.GetAsync(ClusterKeys.HostInfoOf(hostId)) is { } kv ? RecordCodec.HostInfo(kv.Value) : null;

    protected async Task<ClusterSnapshot> SnapshotAsync() => ClusterSnapshot.FromListing(await Store.ListAsync(ClusterKeys.Root));
}
