using Weft.Store;
using Weft.Testing;

namespace Weft.Cluster.Tests.Infrastructure;

/// <summary>One real etcd per test class that asks for it, under /tmp/wtt-cluster-XXXX; killed by PID and its dir deleted afterwards.</summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    private EtcdServer? _server;

    public EtcdServer Server => _server ?? throw new InvalidOperationException("etcd not started");

    public async Task InitializeAsync() => _server = await EtcdServer.StartAsync("wtt-cluster");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>Where a test's cluster store lives. Every <see cref="OpenAsync"/> is a separate client (its own connections).</summary>
public interface IStoreBackend : IAsyncDisposable
{
    string Name { get; }

    /// <summary>True when earlier tests of the class used the same store, so it must be wiped first.</summary>
    bool Shared { get; }

    Task<IClusterStore> OpenAsync();
}

public sealed class EtcdBackend(EtcdFixture fixture) : IStoreBackend
{
    public string Name => "etcd";

    public bool Shared => true;

    public Task<IClusterStore> OpenAsync() => ClusterStore.OpenAsync(fixture.Server.StoreUrl);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A fresh SQLite file per test in /tmp/wtt-cluster-XXXX, deleted on dispose (also when the test failed).</summary>
public sealed class SqliteBackend : IStoreBackend
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wtt-cluster-").FullName;

    public string Name => "sqlite";

    public bool Shared => false;

    public Task<IClusterStore> OpenAsync() => ClusterStore.OpenAsync("sqlite://" + Path.Combine(_dir, "store.db"));

    public ValueTask DisposeAsync()
    {
        TempDirectories.Remove(_dir);
        return ValueTask.CompletedTask;
    }
}
