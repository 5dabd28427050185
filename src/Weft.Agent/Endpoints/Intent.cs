using System.Text.Json.Serialization;

namespace Weft.Agent.Endpoints;

/// <summary>The multi-step operations an intent can stand for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IntentKind>))]
public enum IntentKind
{
    /// <summary>`weft run`: undone when found after a crash (the caller got an error, so the sandbox must be gone).</summary>
    [JsonStringEnumMemberName("create-sandbox")]
    CreateSandbox,

    /// <summary>`weft rm`: finished when found after a crash (the caller asked for it gone).</summary>
    [JsonStringEnumMemberName("remove-sandbox")]
    RemoveSandbox,

    /// <summary>`network connect`: undone when found after a crash.</summary>
    [JsonStringEnumMemberName("connect")]
    Connect,

    /// <summary>`network disconnect`: finished when found after a crash.</summary>
    [JsonStringEnumMemberName("disconnect")]
    Disconnect,
}

/// <summary>One endpoint an operation touches: enough to remove it from the store and from the kernel without its record.</summary>
public sealed record IntentEndpoint(string NetworkId, string NetworkName, string EndpointId);

/// <summary>
/// What an operation is about to do, written before it touches the store or the kernel and deleted when it is done.
/// An intent found at start belongs to an operation a crash cut short; settling it is the same for every kind: whatever
/// the operation had made goes (a half-made sandbox or endpoint is never finished, since nobody waits for it any more,
/// and a removal is completed). Every id is chosen before the intent is written, so it names all the operation could
/// have made.
/// </summary>
public sealed record Intent
{
    public required string Id { get; init; }

    public required IntentKind Kind { get; init; }

    public required string SandboxName { get; init; }

    public required string SandboxId { get; init; }

    public IReadOnlyList<IntentEndpoint> Endpoints { get; init; } = [];

    /// <summary>The namespace Weft makes for the sandbox (weftsb-…), which settling may delete; null when it uses one it did not make.</summary>
    public string? OwnNamespace { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>Whether settling removes the whole sandbox (its record, processes, namespace and files) or only the endpoints.</summary>
    [JsonIgnore]
    public bool CoversSandbox => Kind is IntentKind.CreateSandbox or IntentKind.RemoveSandbox;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Intent))]
internal sealed partial class IntentJsonContext : JsonSerializerContext;
