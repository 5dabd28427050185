using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Weft.Store;

/// <summary>
/// Times every request to the store and counts what its watches deliver, on the meter <see cref="MeterName"/>:
/// <c>weft.store.request.duration</c> (seconds, by operation and outcome) and <c>weft.store.watch.events</c> (by kind).
/// Without a listener on the meter (metrics off) a measurement costs a check and nothing else.
/// </summary>
public sealed class MeteredClusterStore(IClusterStore inner) : IClusterStore
{
    public const string MeterName = "Weft.Store";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "weft.store.request.duration", "s", "Time one request to the cluster store took, by operation and outcome (ok, error)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    private static readonly Counter<long> WatchEvents = Meter.CreateCounter<long>(
        "weft.store.watch.events", null, "Events the store's watches delivered, by kind (put, delete, compacted, unavailable, resumed)");

    public string Location => inner.Location;

    private static async Task<T> TimeAsync<T>(string operation, Task<T> call)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = await call;
            outcome = "ok";
            return result;
        }
        finally
        {
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("op", operation), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => TimeAsync("get", inner.GetAsync(key, cancellationToken));

    public Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default) => TimeAsync("list", inner.ListAsync(prefix, cancellationToken));

    public Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long leaseId = 0, CancellationToken cancellationToken = default) =>
        TimeAsync("put", inner.PutAsync(key, value, leaseId, cancellationToken));

    public Task<DeleteResult> DeleteAsync(string key, CancellationToken cancellationToken = default) => TimeAsync("delete", inner.DeleteAsync(key, cancellationToken));

    public Task<DeleteResult> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        TimeAsync("delete_prefix", inner.DeletePrefixAsync(prefix, cancellationToken));

    public Task<TxnResult> TxnAsync(Txn txn, CancellationToken cancellationToken = default) => TimeAsync("txn", inner.TxnAsync(txn, cancellationToken));

    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) => TimeAsync("lease_grant", inner.GrantLeaseAsync(ttl, cancellationToken));

    public Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default) => TimeAsync("lease_keepalive", inner.KeepAliveAsync(leaseId, cancellationToken));

    public Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default) => TimeAsync("lease_revoke", inner.RevokeLeaseAsync(leaseId, cancellationToken));

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in inner.WatchAsync(prefix, fromRevision, cancellationToken))
        {
            WatchEvents.Add(1, new KeyValuePair<string, object?>("kind", KindName(e.Kind)));
            yield return e;
        }
    }

    private static string KindName(WatchEventKind kind) => kind switch
    {
        WatchEventKind.Put => "put",
        WatchEventKind.Delete => "delete",
        WatchEventKind.Compacted => "compacted",
        WatchEventKind.Unavailable => "unavailable",
        _ => "resumed",
    };

    public Task<StoreClockSample?> SampleClockAsync(CancellationToken cancellationToken = default) => inner.SampleClockAsync(cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken = default) => TimeAsync("compact", Wrap(inner.CompactAsync(revision, cancellationToken)));

    private static async Task<bool> Wrap(Task task)
    {
        await task;
        return true;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
