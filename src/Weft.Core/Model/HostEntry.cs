using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Naming;

namespace Weft.Core.Model;

/// <summary>
/// One extra line of a sandbox's /etc/hosts, Docker's <c>--add-host NAME:IP</c>. It travels and is stored in
/// that same "NAME:IP" text, so the API, the CLI and the store all read it the way a Docker user writes it.
/// </summary>
[JsonConverter(typeof(HostEntryJsonConverter))]
public sealed record HostEntry(string Name, IPAddress Address)
{
    /// <summary>"NAME:IP": the name is a DNS alias, the address strict IPv4 or IPv6 (which may hold colons itself).</summary>
    public static HostEntry Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new WeftValidationException(ErrorCodes.InvalidAddress, $"--add-host '{text}' must be NAME:IP");
        }
        var name = text[..colon];
        NameRules.ValidateAlias(name);
        return new HostEntry(name, IpAddressText.Parse(text[(colon + 1)..]));
    }

    public override string ToString() => $"{Name}:{Address}";
}

/// <summary>Reads and writes a <see cref="HostEntry"/> as its "NAME:IP" text, naming a malformed one.</summary>
public sealed class HostEntryJsonConverter : JsonConverter<HostEntry>
{
    public override HostEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("an --add-host entry is null");
        try
        {
            return HostEntry.Parse(text);
        }
        catch (WeftValidationException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, HostEntry value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToString());
    }
}
