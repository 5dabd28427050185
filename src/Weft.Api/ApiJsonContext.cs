using System.Text.Json;
using System.Text.Json.Serialization;

namespace Weft.Api;

/// <summary>Source-generated JSON for every API shape: no reflection at run time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreateNetworkRequest))]
[JsonSerializable(typeof(NetworkSummary[]))]
[JsonSerializable(typeof(NetworkDetail))]
[JsonSerializable(typeof(CreateSandboxRequest))]
[JsonSerializable(typeof(SandboxDetail))]
[JsonSerializable(typeof(SandboxDetail[]))]
[JsonSerializable(typeof(ConnectRequest))]
[JsonSerializable(typeof(AgentStatus))]
[JsonSerializable(typeof(ApiErrorBody))]
[JsonSerializable(typeof(DoctorClusterView))]
[JsonSerializable(typeof(DoctorReport))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
