using Weft.Store.Etcd.Protocol;

namespace Weft.Store.Etcd;

/// <summary>The public API mapped onto etcd v3 messages; transport concerns live in <see cref="EtcdConnector"/>.</summary>
internal sealed class EtcdClusterStore : IClusterStore
{
    // Pages keep each gateway response small (1 MiB values × 10,000 keys would not fit one message) while one
    // pinned revision keeps the pages a single snapshot.
    private const int ListPageSize = 1000;

    private static readonly EtcdJsonContext Json = EtcdJsonContext.Default;

    private readonly EtcdConnector _connector;

    private EtcdClusterStore(EtcdConnector connector) => _connector = connector;

    public string Location => _connector.Location;

    public static async Task<IClusterStore> OpenAsync(StoreUrl url, ClusterStoreOptions options, CancellationToken cancellationToken)
    {
        var connector = new EtcdConnector(url, options);
        var store = new EtcdClusterStore(connector);
        try
        {
            // A cheap read proves an endpoint answers (and that credentials work) before the caller relies on it.
            await store.GetAsync("\0weft-open-probe", cancellationToken);
            return store;
        }
        catch
        {
            connector.Dispose();
            throw;
        }
    }

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var response = await _connector.CallAsync("v3/kv/range", new RangeRequest { Key = KeyRange.Encode(key) },
            Json.RangeRequest, Json.RangeResponse, cancellationToken);
        return response.Kvs is [var kv, ..] ? ToKeyValue(kv) : null;
    }

    public async Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var start = KeyRange.Encode(prefix);
        var end = KeyRange.PrefixEnd(start) ?? [0];
        var items = new List<KeyValue>();
        long revision = 0;
        while (true)
        {
            var response = await _connector.CallAsync("v3/kv/range",
                new RangeRequest { Key = start, RangeEnd = end, Limit = ListPageSize, Revision = revision },
                Json.RangeRequest, Json.RangeResponse, cancellationToken);
            if (revision == 0) revision = response.Header?.Revision ?? 0;
            var kvs = response.Kvs ?? [];
            items.AddRange(kvs.Select(ToKeyValue));
            if (!response.More || kvs.Count == 0)
                return new ListResult(revision, items);
            // Next page starts just after the last key returned.
            start = [.. kvs[^1].Key, 0];
        }
    }

    public async Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long leaseId = 0, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await _connector.CallAsync("v3/kv/put", new PutRequest { Key = KeyRange.Encode(key), Value = value, Lease = leaseId },
                Json.PutRequest, Json.PutResponse, cancellationToken);
            return response.Header?.Revision ?? 0;
        }
        catch (EtcdRpcException e) when (leaseId != 0 && IsLeaseNotFound(e))
        {
            throw new LeaseNotFoundException(Location, leaseId);
        }
    }

    public Task<DeleteResult> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        DeleteRangeAsync(new DeleteRangeRequest { Key = KeyRange.Encode(key) }, cancellationToken);

    public Task<DeleteResult> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var start = KeyRange.Encode(prefix);
        return DeleteRangeAsync(new DeleteRangeRequest { Key = start, RangeEnd = KeyRange.PrefixEnd(start) ?? [0] }, cancellationToken);
    }

    private async Task<DeleteResult> DeleteRangeAsync(DeleteRangeRequest request, CancellationToken cancellationToken)
    {
        var response = await _connector.CallAsync("v3/kv/deleterange", request, Json.DeleteRangeRequest, Json.DeleteRangeResponse, cancellationToken);
        return new DeleteResult(response.Header?.Revision ?? 0, response.Deleted);
    }

    public async Task<TxnResult> TxnAsync(Txn txn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(txn);
        var request = new TxnRequest
        {
            Compare = [.. txn.Compares.Select(ToMessage)],
            Success = [.. txn.Success.Select(ToMessage)],
            Failure = [.. txn.Failure.Select(ToMessage)],
        };
        try
        {
            var response = await _connector.CallAsync("v3/kv/txn", request, Json.TxnRequest, Json.TxnResponse, cancellationToken);
            return new TxnResult(response.Succeeded, response.Header?.Revision ?? 0);
        }
        catch (EtcdRpcException e) when (IsLeaseNotFound(e))
        {
            var lease = txn.Success.Concat(txn.Failure).OfType<TxnOp.PutOp>().FirstOrDefault(p => p.LeaseId != 0)?.LeaseId ?? 0;
            throw new LeaseNotFoundException(Location, lease);
        }
    }

    public async Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        // etcd counts TTLs in whole seconds; round up so a lease never lives shorter than asked.
        var seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
        var response = await _connector.CallAsync("v3/lease/grant", new LeaseGrantRequest { Ttl = seconds },
            Json.LeaseGrantRequest, Json.LeaseGrantResponse, cancellationToken);
        if (!string.IsNullOrEmpty(response.Error))
            throw new StoreException(Location, $"etcd refused the lease: {response.Error}");
        return new LeaseGrant(response.Id, TimeSpan.FromSeconds(response.Ttl));
    }

    public async Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        // The keep-alive RPC is a bidirectional stream; one request frame in, one result frame out is all we need.
        var frame = await _connector.CallAsync("v3/lease/keepalive", new LeaseIdRequest { Id = leaseId },
            Json.LeaseIdRequest, Json.StreamFrameLeaseKeepAliveResponse, cancellationToken);
        if (frame.Error is { } error)
            throw new EtcdRpcException(Location, error.GrpcCode, error.Message ?? "keep-alive failed");
        if (frame.Result is not { Ttl: > 0 } result)
            throw new LeaseNotFoundException(Location, leaseId);
        return TimeSpan.FromSeconds(result.Ttl);
    }

    public async Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        try
        {
            await _connector.CallAsync("v3/lease/revoke", new LeaseIdRequest { Id = leaseId },
                Json.LeaseIdRequest, Json.LeaseRevokeResponse, cancellationToken);
            return true;
        }
        catch (EtcdRpcException e) when (IsLeaseNotFound(e))
        {
            return false;
        }
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default) =>
        WatchStream.Run(new EtcdWatch(_connector, prefix, fromRevision).RunAsync, cancellationToken);

    public async Task CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        try
        {
            await _connector.CallAsync("v3/kv/compaction", new CompactionRequest { Revision = revision, Physical = true },
                Json.CompactionRequest, Json.CompactionResponse, cancellationToken);
        }
        catch (EtcdRpcException e) when (e.GrpcCode == EtcdRpcException.OutOfRange && e.RpcMessage.Contains("compacted", StringComparison.Ordinal))
        {
            // Already compacted at or past this revision: the goal holds, as it does for the embedded store.
        }
    }

    public async Task<StoreClockSample?> SampleClockAsync(CancellationToken cancellationToken = default) =>
        await _connector.SampleClockAsync("v3/kv/range", new RangeRequest { Key = KeyRange.Encode("/weft-clock"), Limit = 1 }, Json.RangeRequest, cancellationToken);

    private static bool IsLeaseNotFound(EtcdRpcException e) =>
        e.GrpcCode == EtcdRpcException.NotFound && e.RpcMessage.Contains("lease not found", StringComparison.Ordinal);

    internal static KeyValue ToKeyValue(KeyValueMessage kv) =>
        new(KeyRange.Decode(kv.Key), kv.Value ?? [], kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);

    private static CompareMessage ToMessage(Compare compare)
    {
        var message = new CompareMessage { Key = KeyRange.Encode(compare.Key) };
        switch (compare.Target)
        {
            case CompareTarget.Version:
                message.Target = "VERSION";
                message.Version = compare.Number;
                break;
            case CompareTarget.ModRevision:
                message.Target = "MOD";
                message.ModRevision = compare.Number;
                break;
            case CompareTarget.CreateRevision:
                message.Target = "CREATE";
                message.CreateRevision = compare.Number;
                break;
            case CompareTarget.Value:
                message.Target = "VALUE";
                message.Value = compare.Value.ToArray();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(compare), compare.Target, "unknown compare target");
        }
        return message;
    }

    private static RequestOp ToMessage(TxnOp op) => op switch
    {
        TxnOp.PutOp put => new RequestOp { RequestPut = new PutRequest { Key = KeyRange.Encode(put.Key), Value = put.Value, Lease = put.LeaseId } },
        TxnOp.DeleteOp { IsPrefix: false } del => new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = KeyRange.Encode(del.Key) } },
        TxnOp.DeleteOp del => new RequestOp
        {
            RequestDeleteRange = new DeleteRangeRequest { Key = KeyRange.Encode(del.Key), RangeEnd = KeyRange.PrefixEnd(KeyRange.Encode(del.Key)) ?? [0] },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown transaction op"),
    };

    public ValueTask DisposeAsync()
    {
        _connector.Dispose();
        return ValueTask.CompletedTask;
    }
}
