using System.Text.Json;
using Weft.Api.Cni;

namespace Weft.Cni;

/// <summary>
/// The two things the plugin reads from its config before the agent sees it: the cniVersion its own errors must carry,
/// and where the agent listens ("socket", /run/weft/weft.sock by default). Everything else the agent validates.
/// </summary>
internal sealed record PluginConfig(string CniVersion, string Socket)
{
    public const string DefaultSocket = "/run/weft/weft.sock";

    /// <summary>Null when stdin is not a JSON object (the caller answers with the spec's decoding error).</summary>
    public static PluginConfig? TryParse(string stdin)
    {
        try
        {
            using var document = JsonDocument.Parse(stdin);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var version = root.TryGetProperty("cniVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : CniVersions.V110;
            var socket = root.TryGetProperty("socket", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } path ? path : DefaultSocket;
            return new PluginConfig(version, socket);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
