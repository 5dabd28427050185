using Weft.Store.Tests.Infrastructure;

namespace Weft.Store.Tests;

/// <summary>The conformance suite against the embedded store: each client is a separate store instance on one file.</summary>
public sealed class SqliteConformanceTests : StoreConformanceTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<IClusterStore> OpenStoreAsync() => ClusterStore.OpenAsync(_dir.SqliteUrl());

    public void Dispose() => _dir.Dispose();
}
