using System.Text.Json;
using Weft.Api.Cni;

namespace Weft.Agent.Cni;

/// <summary>
/// The weft plugin's entry of a conflist, as the runtime passes it on stdin. Besides the spec's standard keys it takes
/// <c>network</c> (the Weft network; the conflist's name by default) and <c>socket</c> (the agent's API, read by
/// weft-cni itself). Any other key is refused by name, so a typo never passes for a setting that took effect; so are
/// <c>ipam</c> and <c>dns</c>, since Weft allocates addresses cluster-wide and answers DNS itself.
/// </summary>
/// <param name="Aliases">runtimeConfig.aliases (capability "aliases") for this network: extra DNS names of the container.</param>
/// <param name="ValidAttachments">GC's "cni.dev/valid-attachments"; null on other commands.</param>
public sealed record CniNetConf(string CniVersion, string Name, string Network, IReadOnlyList<string> Aliases, IReadOnlyList<CniAttachment>? ValidAttachments)
{
    public const string NetworkKey = "network", SocketKey = "socket";

    /// <summary>Keys the spec (or libcni) puts in every plugin's config: taken as they are.</summary>
    private static readonly string[] Standard = ["cniVersion", "name", "type", "capabilities", "runtimeConfig", "prevResult", "args",
        "cni.dev/valid-attachments", "cni.dev/attachments"];

    public static CniNetConf Parse(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCodes.DecodingFailure, "the network config on stdin is not JSON", e.Message);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CniException(CniErrorCodes.DecodingFailure, "the network config on stdin is not a JSON object");
            }
            var version = String(root, "cniVersion") ?? throw Invalid("cniVersion is missing");
            if (!CniVersions.IsSupported(version))
            {
                throw new CniException(CniErrorCodes.IncompatibleVersion, $"cniVersion {version} is not supported",
                    $"weft-cni speaks {string.Join(", ", CniVersions.Supported)}");
            }
            var name = String(root, "name") ?? throw Invalid("name is missing");
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is "ipam" or "dns")
                {
                    throw new CniException(CniErrorCodes.UnsupportedField, $"unsupported field \"{property.Name}\": {property.Value.GetRawText()}",
                        $"Weft gives addresses from the Weft network's subnet and answers DNS itself; remove \"{property.Name}\" (IP=/MAC= in CNI_ARGS pick an address)");
                }
                if (!Standard.Contains(property.Name, StringComparer.Ordinal) && property.Name is not (NetworkKey or SocketKey))
                {
                    throw new CniException(CniErrorCodes.UnsupportedField, $"unsupported field \"{property.Name}\": {property.Value.GetRawText()}",
                        $"the weft plugin takes \"{NetworkKey}\" and \"{SocketKey}\" besides the standard keys");
                }
            }
            var network = String(root, NetworkKey) ?? name;
            if (network.Length == 0)
            {
                throw Invalid("network is empty");
            }
            return new CniNetConf(version, name, network, AliasesOf(root, name, network), AttachmentsOf(root));
        }
    }

    /// <summary>The cniVersion a reply should carry, from a config that may not parse: the spec's newest when none can be read.</summary>
    public static string VersionOf(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object && String(document.RootElement, "cniVersion") is { } v ? v : CniVersions.V110;
        }
        catch (JsonException)
        {
            return CniVersions.V110;
        }
    }

    private static List<string> AliasesOf(JsonElement root, string name, string network)
    {
        if (!root.TryGetProperty("runtimeConfig", out var runtime) || runtime.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (runtime.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("runtimeConfig is not an object");
        }
        var aliases = new List<string>();
        foreach (var capability in runtime.EnumerateObject())
        {
            // libcni passes only the capabilities a plugin declares, and weft declares only "aliases".
            if (capability.Name != "aliases")
            {
                throw new CniException(CniErrorCodes.UnsupportedField, $"unsupported field \"runtimeConfig.{capability.Name}\": {capability.Value.GetRawText()}",
                    capability.Name == "portMappings" ? "chain the reference portmap plugin after weft for -p (weft cni config does)" : "weft declares only the \"aliases\" capability");
            }
            if (capability.Value.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("runtimeConfig.aliases is not an object of network name to names");
            }
            // Podman keys the aliases by its network's name, the conflist's; "network" may name the Weft network differently.
            foreach (var entry in capability.Value.EnumerateObject().Where(e => e.Name == name || e.Name == network))
            {
                if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
                {
                    throw Invalid($"runtimeConfig.aliases.{entry.Name} is not a list of names");
                }
                aliases.AddRange(entry.Value.EnumerateArray().Select(a => a.GetString()!).Where(a => a.Length > 0 && !aliases.Contains(a, StringComparer.Ordinal)));
            }
        }
        return aliases;
    }

    private static List<CniAttachment>? AttachmentsOf(JsonElement root)
    {
        // libcni sends both names (an early 1.1 draft's and the final one) with the same list.
        if (!root.TryGetProperty("cni.dev/valid-attachments", out var list) && !root.TryGetProperty("cni.dev/attachments", out list))
        {
            return null;
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("cni.dev/valid-attachments is not a list");
        }
        var attachments = new List<CniAttachment>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || String(item, "containerID") is not { } id)
            {
                throw Invalid($"cni.dev/valid-attachments entry {item.GetRawText()} has no containerID");
            }
            attachments.Add(new CniAttachment(id, String(item, "ifname") ?? ""));
        }
        return attachments;
    }

    private static string? String(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw Invalid($"{name} is not a string: {value.GetRawText()}");

    private static CniException Invalid(string message) => new(CniErrorCodes.InvalidConfig, $"invalid network config: {message}");
}
