using System.Text;
using System.Text.Json;
using Weft.Api.Cni;

namespace Weft.Cli.Commands.Cni;

/// <summary>
/// The conflist `weft cni config` writes: the weft plugin (with the "aliases" capability, so `--network-alias` reaches
/// Weft's DNS), then the reference portmap plugin, which CNI users expect to publish `-p` ports and which Weft leaves to
/// it. The conflist's name is the network's, since Podman names its network after the conflist.
/// </summary>
internal static class CniConflist
{
    /// <summary>1.0.0: the newest version Podman 4.3 accepts a result in (it refuses 1.1.0).</summary>
    public const string DefaultVersion = CniVersions.V100;

    public static string Render(string network, string? socket, string version = DefaultVersion)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("cniVersion", version);
            json.WriteString("name", network);
            json.WriteStartArray("plugins");
            json.WriteStartObject();
            json.WriteString("type", "weft");
            json.WriteString("network", network);
            if (socket is not null)
            {
                json.WriteString("socket", socket);
            }
            json.WriteStartObject("capabilities");
            json.WriteBoolean("aliases", true);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject();
            json.WriteString("type", "portmap");
            json.WriteStartObject("capabilities");
            json.WriteBoolean("portMappings", true);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Sorted before Podman's 87-podman-bridge.conflist: containerd's `ctr run --cni` loads only the first file.</summary>
    public static string FileName(string network) => $"10-weft-{network}.conflist";
}
