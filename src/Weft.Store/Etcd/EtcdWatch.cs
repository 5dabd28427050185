using System.Text.Json;
using System.Threading.Channels;
using Weft.Store.Etcd.Protocol;

namespace Weft.Store.Etcd;

/// <summary>
/// One logical watch over a prefix that outlives connections: it remembers the next revision it owes the caller and,
/// whenever the stream breaks, reconnects (any endpoint) asking for exactly that revision, so nothing is skipped or
/// repeated across server restarts and failovers.
/// </summary>
internal sealed class EtcdWatch(EtcdConnector connector, string prefix, long fromRevision)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    // 0 until the first connection pins "now" to a concrete revision.
    private long _next = fromRevision;

    public async Task RunAsync(ChannelWriter<WatchEvent> output, CancellationToken cancellationToken)
    {
        var key = KeyRange.Encode(prefix);
        var rangeEnd = KeyRange.PrefixEnd(key) ?? [0];
        var backoff = TimeSpan.FromMilliseconds(100);
        var outage = false;
        while (true)
        {
            string reason;
            try
            {
                var request = new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, RangeEnd = rangeEnd, StartRevision = _next } };
                using var response = await connector.OpenStreamAsync("v3/watch", request, EtcdJsonContext.Default.WatchRequest, cancellationToken);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                using var reader = new StreamReader(body);
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.Length == 0) continue;
                    var frame = JsonSerializer.Deserialize(line, EtcdJsonContext.Default.StreamFrameWatchResponse);
                    if (frame?.Error is { } error)
                        throw new EtcdRpcException(connector.Location, error.GrpcCode, error.Message ?? "watch failed");
                    if (frame?.Result is not { } result) continue;
                    if (result.Created)
                    {
                        if (_next == 0) _next = (result.Header?.Revision ?? 0) + 1;
                        if (outage) await output.WriteAsync(WatchEvent.Resumed(_next), cancellationToken);
                        outage = false;
                        backoff = TimeSpan.FromMilliseconds(100);
                    }
                    if (result.CompactRevision > 0)
                    {
                        // etcd cancels a watch whose start revision was compacted; the caller must re-list.
                        await output.WriteAsync(WatchEvent.Compacted(result.CompactRevision), cancellationToken);
                        return;
                    }
                    if (result.Canceled)
                        throw new StoreException(connector.Location, $"etcd cancelled the watch on '{prefix}': {result.CancelReason}");
                    await DeliverAsync(result, output, cancellationToken);
                }
                reason = "etcd closed the watch stream";
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsOutage(e))
            {
                reason = e.Message;
            }
            if (!outage)
            {
                outage = true;
                await output.WriteAsync(WatchEvent.Unavailable(_next, reason), cancellationToken);
            }
            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    private async ValueTask DeliverAsync(WatchResponse result, ChannelWriter<WatchEvent> output, CancellationToken cancellationToken)
    {
        if (result.Events is not { Count: > 0 } events) return;
        // etcd sends all events of one revision in one response, so skipping below _next drops only what was
        // already delivered before a reconnect.
        var floor = _next;
        var delivered = events.Where(e => e.Kv is { } kv && kv.ModRevision >= floor).ToList();
        for (var i = 0; i < delivered.Count; i++)
        {
            var kv = delivered[i].Kv!;
            var key = KeyRange.Decode(kv.Key);
            var item = delivered[i].Type == "DELETE"
                ? WatchEvent.Delete(key, kv.ModRevision)
                : WatchEvent.Put(key, kv.Value ?? [], kv.ModRevision, kv.CreateRevision, kv.Version, kv.Lease);
            // A response holds whole revisions, so the last change of each in it ends that revision.
            var ends = i == delivered.Count - 1 || delivered[i + 1].Kv!.ModRevision != kv.ModRevision;
            await output.WriteAsync(item with { EndsRevision = ends }, cancellationToken);
            _next = Math.Max(_next, kv.ModRevision + 1);
        }
    }

    private static bool IsOutage(Exception e) =>
        e is IOException or HttpRequestException or StoreUnavailableException or JsonException
            || (e is EtcdRpcException rpc && rpc.GrpcCode != EtcdRpcException.Unauthenticated && rpc.GrpcCode != 7 /* PermissionDenied */);
}
