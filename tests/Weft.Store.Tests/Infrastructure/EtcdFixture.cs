using Weft.Testing;

namespace Weft.Store.Tests.Infrastructure;

/// <summary>One real etcd per test class that asks for it; killed by PID and its temp dir deleted afterwards.</summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    private EtcdServer? _server;

    public EtcdServer Server => _server ?? throw new InvalidOperationException("etcd not started");

    public async Task InitializeAsync() => _server = await EtcdServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
