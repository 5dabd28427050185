using System.Net;
using System.Text.Json.Serialization;
using Weft.Core.Addressing;

namespace Weft.Core.Model;

/// <summary>
/// The one JSON shape of Weft's records, for the store, the API and <c>--format json</c>:
/// camelCase properties, lowercase enum names, addresses and subnets as text, nulls left out.
/// Dictionary keys (labels, options) are kept exactly as given. Unknown properties are skipped, so
/// an older agent can read a record written by a newer one.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    Converters = [typeof(IPAddressJsonConverter)])]
[JsonSerializable(typeof(HostRecord))]
[JsonSerializable(typeof(HostInfoRecord))]
[JsonSerializable(typeof(NetworkRecord))]
[JsonSerializable(typeof(SubnetConfig))]
[JsonSerializable(typeof(EndpointRecord))]
[JsonSerializable(typeof(SandboxRecord))]
[JsonSerializable(typeof(AllocationRecord))]
[JsonSerializable(typeof(ReleasedRecord))]
[JsonSerializable(typeof(IReadOnlyList<HostRecord>))]
[JsonSerializable(typeof(IReadOnlyList<NetworkRecord>))]
[JsonSerializable(typeof(IReadOnlyList<EndpointRecord>))]
[JsonSerializable(typeof(IReadOnlyList<IPAddress>))]
[JsonSerializable(typeof(IpNetwork))]
[JsonSerializable(typeof(MacAddress))]
public sealed partial class WeftJsonContext : JsonSerializerContext;
