using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Weft.Core.Model;

namespace Weft.Cluster;

/// <summary>Turns records into store values and back, always through the source-generated JSON context.</summary>
public static class RecordCodec
{
    public static byte[] Encode(HostRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, WeftJsonContext.Default.HostRecord);

    public static byte[] Encode(NetworkRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, WeftJsonContext.Default.NetworkRecord);

    public static byte[] Encode(EndpointRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, WeftJsonContext.Default.EndpointRecord);

    public static byte[] Encode(AllocationRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, WeftJsonContext.Default.AllocationRecord);

    public static byte[] Encode(HostInfoRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, WeftJsonContext.Default.HostInfoRecord);

    public static byte[] Encode(SandboxRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, WeftJsonContext.Default.SandboxRecord);

    public static byte[] Encode(ReleasedRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, WeftJsonContext.Default.ReleasedRecord);

    public static HostRecord? Host(byte[] v) => Decode(v, WeftJsonContext.Default.HostRecord);

    public static NetworkRecord? Network(byte[] v) => Decode(v, WeftJsonContext.Default.NetworkRecord);

    public static EndpointRecord? Endpoint(byte[] v) => Decode(v, WeftJsonContext.Default.EndpointRecord);

    public static AllocationRecord? Allocation(byte[] v) => Decode(v, WeftJsonContext.Default.AllocationRecord);

    public static HostInfoRecord? HostInfo(byte[] v) => Decode(v, WeftJsonContext.Default.HostInfoRecord);

    public static SandboxRecord? Sandbox(byte[] v) => Decode(v, WeftJsonContext.Default.SandboxRecord);

    public static ReleasedRecord? Released(byte[] v) => Decode(v, WeftJsonContext.Default.ReleasedRecord);

    /// <summary>
    /// A value that does not parse is skipped rather than fatal: one bad record written by hand must not stop
    /// an agent from programming everything else.
    /// </summary>
    private static T? Decode<T>(byte[] value, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(value, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
