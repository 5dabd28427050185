using System.Text.Json;
using System.Text.Json.Serialization;

namespace Weft.Api.Cni;

// The CNI spec's shapes (github.com/containernetworking/cni SPEC.md, versions 0.4.0, 1.0.0 and 1.1.0), and the one
// request `weft-cni` forwards to the agent. The agent builds results and errors in the config's cniVersion; the plugin
// prints them as they come, and makes the few errors that need no agent (VERSION, a missing agent) itself.

/// <summary>The CNI versions `weft-cni` speaks, oldest first: VERSION lists them, and a config asking for another is refused.</summary>
public static class CniVersions
{
    public const string V040 = "0.4.0", V100 = "1.0.0", V110 = "1.1.0";

    public static IReadOnlyList<string> Supported { get; } = [V040, V100, V110];

    public static bool IsSupported(string? version) => version is not null && Supported.Contains(version, StringComparer.Ordinal);
}

/// <summary>The spec's well-known error codes, and Weft's own (100 and up, which the spec leaves to plugins).</summary>
public static class CniErrorCodes
{
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironment = 4;
    public const int IoFailure = 5;
    public const int DecodingFailure = 6;
    public const int InvalidConfig = 7;
    public const int TryAgainLater = 11;
    /// <summary>STATUS (1.1): the plugin cannot serve ADD now.</summary>
    public const int NotAvailable = 50;
    /// <summary>Weft refused the request (the address is taken, the interface exists, ...); details name Weft's error code.</summary>
    public const int Refused = 100;
    /// <summary>The kernel refused a step; the change was rolled back.</summary>
    public const int Kernel = 101;
    /// <summary>A fault in Weft itself.</summary>
    public const int Internal = 102;
}

/// <summary>
/// POST /v1/cni/{add,del,check,gc,status}: one plugin call as the runtime made it, the CNI_* environment and stdin (the
/// plugin's network config) verbatim, so the agent alone decides what is valid.
/// </summary>
public sealed record CniCall(string? ContainerId, string? Netns, string? IfName, string? Args, string Config);

/// <summary>The error object a plugin prints on stdout, with a non-zero exit.</summary>
public sealed record CniError(string CniVersion, int Code, string Msg, string? Details = null);

/// <summary>The answer to VERSION.</summary>
public sealed record CniVersionInfo(string CniVersion, IReadOnlyList<string> SupportedVersions);

/// <summary>The result of ADD: the same shape in every supported version, except that 0.4.0 names each IP's version.</summary>
public sealed record CniResult(
    string CniVersion,
    IReadOnlyList<CniInterface> Interfaces,
    IReadOnlyList<CniIpConfig> Ips,
    IReadOnlyList<CniRoute> Routes,
    CniDns Dns);

/// <summary>An interface; <see cref="Sandbox"/> is set on the ones inside the container (the namespace path). Mtu only in 1.1.0.</summary>
public sealed record CniInterface(string Name, string? Mac, string? Sandbox, int? Mtu = null);

/// <summary>An address; <see cref="Interface"/> indexes <see cref="CniResult.Interfaces"/>; <see cref="Version"/> ("4") only in 0.4.0.</summary>
public sealed record CniIpConfig(string Address, string? Gateway, int? Interface, string? Version = null);

public sealed record CniRoute(string Dst, string? Gw = null);

public sealed record CniDns(IReadOnlyList<string> Nameservers, string? Domain, IReadOnlyList<string> Search, IReadOnlyList<string> Options);

/// <summary>One entry of GC's "cni.dev/valid-attachments": an attachment the runtime still uses.</summary>
public sealed record CniAttachment(
    [property: JsonPropertyName("containerID")] string ContainerId,
    [property: JsonPropertyName("ifname")] string IfName);

/// <summary>Compact, camelCase, nulls left out: the spec's optional fields are absent rather than null.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CniCall))]
[JsonSerializable(typeof(CniError))]
[JsonSerializable(typeof(CniVersionInfo))]
[JsonSerializable(typeof(CniResult))]
[JsonSerializable(typeof(CniAttachment[]))]
public sealed partial class CniJsonContext : JsonSerializerContext;

/// <summary>
/// The JSON text weft-cni prints. Relaxed escaping, since runtimes show msg and details to people: a quote stays a quote
/// rather than \u0022 (still valid JSON: only what JSON itself requires is escaped).
/// </summary>
public static class CniJson
{
    private static readonly JsonSerializerOptions Options = new(CniJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));
}
