using System.Text.Json;
using System.Text.Json.Serialization;

namespace Weft.Agent.Docker;

// The messages of Docker's remote network driver and IPAM driver protocols (libnetwork's remote/api and ipams/remote/api),
// as Docker 20.10 sends them: PascalCase names, Options that may be null. Docker may add fields in later versions, so
// fields Weft does not read are ignored here; what a user chose (options, pools) is checked by name in DockerDriver.

public sealed record PluginError(string Err);

public sealed record ActivateResponse(IReadOnlyList<string> Implements);

public sealed record NetworkCapabilities(string Scope, string ConnectivityScope);

public sealed record IpamCapabilities(bool RequiresMACAddress, bool RequiresRequestReplay);

public sealed record AddressSpaces(string LocalDefaultAddressSpace, string GlobalDefaultAddressSpace);

public sealed record RequestPoolRequest(string? AddressSpace, string? Pool, string? SubPool, Dictionary<string, string>? Options, bool V6);

public sealed record RequestPoolResponse(string PoolID, string Pool, Dictionary<string, string> Data);

public sealed record ReleasePoolRequest(string PoolID);

public sealed record RequestAddressRequest(string PoolID, string? Address, Dictionary<string, string>? Options);

public sealed record RequestAddressResponse(string Address, Dictionary<string, string> Data);

public sealed record ReleaseAddressRequest(string PoolID, string Address);

public sealed record IpamData(string? AddressSpace, string? Pool, string? Gateway, Dictionary<string, string>? AuxAddresses);

public sealed record CreateNetworkRequest(string NetworkID, Dictionary<string, JsonElement>? Options, IReadOnlyList<IpamData>? IPv4Data, IReadOnlyList<IpamData>? IPv6Data);

public sealed record NetworkRequest(string NetworkID);

public sealed record EndpointInterface(string? Address, string? AddressIPv6, string? MacAddress);

public sealed record CreateEndpointRequest(string NetworkID, string EndpointID, EndpointInterface? Interface, Dictionary<string, JsonElement>? Options);

public sealed record CreateEndpointResponse(EndpointInterface? Interface);

public sealed record EndpointRequest(string NetworkID, string EndpointID);

public sealed record EndpointInfoResponse(Dictionary<string, string> Value);

public sealed record JoinRequest(string NetworkID, string EndpointID, string SandboxKey, Dictionary<string, JsonElement>? Options);

public sealed record InterfaceName(string SrcName, string DstPrefix);

public sealed record StaticRoute(string Destination, int RouteType, string? NextHop);

public sealed record JoinResponse(InterfaceName InterfaceName, string? Gateway, IReadOnlyList<StaticRoute> StaticRoutes, bool DisableGatewayService);

public sealed record EmptyResponse;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PluginError))]
[JsonSerializable(typeof(ActivateResponse))]
[JsonSerializable(typeof(NetworkCapabilities))]
[JsonSerializable(typeof(IpamCapabilities))]
[JsonSerializable(typeof(AddressSpaces))]
[JsonSerializable(typeof(RequestPoolRequest))]
[JsonSerializable(typeof(RequestPoolResponse))]
[JsonSerializable(typeof(ReleasePoolRequest))]
[JsonSerializable(typeof(RequestAddressRequest))]
[JsonSerializable(typeof(RequestAddressResponse))]
[JsonSerializable(typeof(ReleaseAddressRequest))]
[JsonSerializable(typeof(CreateNetworkRequest))]
[JsonSerializable(typeof(NetworkRequest))]
[JsonSerializable(typeof(CreateEndpointRequest))]
[JsonSerializable(typeof(CreateEndpointResponse))]
[JsonSerializable(typeof(EndpointRequest))]
[JsonSerializable(typeof(EndpointInfoResponse))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(JoinResponse))]
[JsonSerializable(typeof(EmptyResponse))]
internal sealed partial class DockerPluginJsonContext : JsonSerializerContext;
