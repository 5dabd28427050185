using System.Text.Json.Serialization;

namespace Weft.Store.Etcd.Protocol;

// The etcd v3 messages as the grpc-gateway renders them (jsonpb): snake_case names, bytes as base64, int64 as
// strings, and fields at their zero value left out. Only the fields Weft uses are declared; the rest is ignored.
// Null/zero properties are not written (see EtcdJsonContext), which is exactly proto3's "omitted means zero".

internal sealed class ResponseHeader
{
    public long Revision { get; set; }
}

internal sealed class KeyValueMessage
{
    public byte[] Key { get; set; } = [];
    public long CreateRevision { get; set; }
    public long ModRevision { get; set; }
    public long Version { get; set; }
    public byte[]? Value { get; set; }
    public long Lease { get; set; }
}

internal sealed class RangeRequest
{
    public byte[] Key { get; set; } = [];
    public byte[]? RangeEnd { get; set; }
    public long Limit { get; set; }
    /// <summary>Read as of this revision (0 = latest); pins the pages of one listing to one snapshot.</summary>
    public long Revision { get; set; }
}

internal sealed class RangeResponse
{
    public ResponseHeader? Header { get; set; }
    public List<KeyValueMessage>? Kvs { get; set; }
    public bool More { get; set; }
    public long Count { get; set; }
}

internal sealed class PutRequest
{
    public byte[] Key { get; set; } = [];
    public ReadOnlyMemory<byte> Value { get; set; }
    public long Lease { get; set; }
}

internal sealed class PutResponse
{
    public ResponseHeader? Header { get; set; }
}

internal sealed class DeleteRangeRequest
{
    public byte[] Key { get; set; } = [];
    public byte[]? RangeEnd { get; set; }
}

internal sealed class DeleteRangeResponse
{
    public ResponseHeader? Header { get; set; }
    public long Deleted { get; set; }
}

internal sealed class CompareMessage
{
    /// <summary>EQUAL, GREATER, LESS or NOT_EQUAL; Weft only needs EQUAL.</summary>
    public string Result { get; set; } = "EQUAL";
    /// <summary>VERSION, CREATE, MOD, VALUE or LEASE.</summary>
    public string Target { get; set; } = "VERSION";
    public byte[] Key { get; set; } = [];
    public long Version { get; set; }
    public long CreateRevision { get; set; }
    public long ModRevision { get; set; }
    public byte[]? Value { get; set; }
}

internal sealed class RequestOp
{
    public RangeRequest? RequestRange { get; set; }
    public PutRequest? RequestPut { get; set; }
    public DeleteRangeRequest? RequestDeleteRange { get; set; }
}

internal sealed class TxnRequest
{
    public List<CompareMessage>? Compare { get; set; }
    public List<RequestOp>? Success { get; set; }
    public List<RequestOp>? Failure { get; set; }
}

internal sealed class TxnResponse
{
    public ResponseHeader? Header { get; set; }
    public bool Succeeded { get; set; }
}

internal sealed class CompactionRequest
{
    public long Revision { get; set; }
    /// <summary>Wait until the compaction is applied to the backend, so a following watch sees it.</summary>
    public bool Physical { get; set; }
}

internal sealed class CompactionResponse
{
    public ResponseHeader? Header { get; set; }
}

internal sealed class LeaseGrantRequest
{
    [JsonPropertyName("TTL")]
    public long Ttl { get; set; }
}

internal sealed class LeaseGrantResponse
{
    public ResponseHeader? Header { get; set; }
    [JsonPropertyName("ID")]
    public long Id { get; set; }
    [JsonPropertyName("TTL")]
    public long Ttl { get; set; }
    public string? Error { get; set; }
}

internal sealed class LeaseIdRequest
{
    [JsonPropertyName("ID")]
    public long Id { get; set; }
}

internal sealed class LeaseKeepAliveResponse
{
    public ResponseHeader? Header { get; set; }
    [JsonPropertyName("ID")]
    public long Id { get; set; }
    /// <summary>Omitted (0) when the lease no longer exists: that is how the stream says "not found".</summary>
    [JsonPropertyName("TTL")]
    public long Ttl { get; set; }
}

/// <summary>One frame of a server-streaming gateway call: {"result":{…}} or {"error":{…}}.</summary>
internal sealed class StreamFrame<T> where T : class
{
    public T? Result { get; set; }
    public StreamError? Error { get; set; }
}

internal sealed class StreamError
{
    public int GrpcCode { get; set; }
    public int HttpCode { get; set; }
    public string? Message { get; set; }
}

internal sealed class LeaseRevokeResponse
{
    public ResponseHeader? Header { get; set; }
}

internal sealed class WatchRequest
{
    public WatchCreateRequest? CreateRequest { get; set; }
}

internal sealed class WatchCreateRequest
{
    public byte[] Key { get; set; } = [];
    public byte[]? RangeEnd { get; set; }
    public long StartRevision { get; set; }
}

internal sealed class WatchResponse
{
    public ResponseHeader? Header { get; set; }
    public bool Created { get; set; }
    public bool Canceled { get; set; }
    /// <summary>Non-zero when the requested start revision was compacted; the watch is then cancelled.</summary>
    public long CompactRevision { get; set; }
    public string? CancelReason { get; set; }
    public List<EventMessage>? Events { get; set; }
}

internal sealed class EventMessage
{
    /// <summary>"DELETE", or omitted for PUT (the enum's zero value).</summary>
    public string? Type { get; set; }
    public KeyValueMessage? Kv { get; set; }
}

internal sealed class AuthenticateRequest
{
    public string Name { get; set; } = "";
    public string Password { get; set; } = "";
}

internal sealed class AuthenticateResponse
{
    public ResponseHeader? Header { get; set; }
    public string? Token { get; set; }
}

/// <summary>The body of a failed unary call: {"error":"…","message":"…","code":N} with N a gRPC status code.</summary>
internal sealed class ErrorBody
{
    public string? Error { get; set; }
    public string? Message { get; set; }
    public int Code { get; set; }
}
