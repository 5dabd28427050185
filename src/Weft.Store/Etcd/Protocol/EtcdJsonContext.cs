using System.Text.Json.Serialization;

namespace Weft.Store.Etcd.Protocol;

/// <summary>
/// Source-generated serializers for the gateway messages: no reflection at run time, and the jsonpb conventions in
/// one place (int64 as strings both ways, snake_case, zero values left out).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(RangeRequest))]
[JsonSerializable(typeof(RangeResponse))]
[JsonSerializable(typeof(PutRequest))]
[JsonSerializable(typeof(PutResponse))]
[JsonSerializable(typeof(DeleteRangeRequest))]
[JsonSerializable(typeof(DeleteRangeResponse))]
[JsonSerializable(typeof(TxnRequest))]
[JsonSerializable(typeof(TxnResponse))]
[JsonSerializable(typeof(CompactionRequest))]
[JsonSerializable(typeof(CompactionResponse))]
[JsonSerializable(typeof(LeaseGrantRequest))]
[JsonSerializable(typeof(LeaseGrantResponse))]
[JsonSerializable(typeof(LeaseIdRequest))]
[JsonSerializable(typeof(StreamFrame<LeaseKeepAliveResponse>))]
[JsonSerializable(typeof(LeaseRevokeResponse))]
[JsonSerializable(typeof(WatchRequest))]
[JsonSerializable(typeof(StreamFrame<WatchResponse>))]
[JsonSerializable(typeof(AuthenticateRequest))]
[JsonSerializable(typeof(AuthenticateResponse))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
