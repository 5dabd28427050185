using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Weft.Core.Addressing;

/// <summary>Writes a subnet as its CIDR text; reading applies the same strict rules as <see cref="IpNetwork.Parse"/>.</summary>
public sealed class IpNetworkJsonConverter : JsonConverter<IpNetwork>
{
    public override IpNetwork Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return IpNetwork.TryParse(text, out var network, out var error) ? network : throw new JsonException(error);
    }

    public override void Write(Utf8JsonWriter writer, IpNetwork value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}

/// <summary>
/// System.Text.Json has no converter for <see cref="IPAddress"/> (it tries to serialize its
/// properties and throws). Put this on every IPAddress property so any serializer options work.
/// </summary>
public sealed class IPAddressJsonConverter : JsonConverter<IPAddress>
{
    public override IPAddress? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return IpAddressText.TryParse(text, out var address)
            ? address
            : throw new JsonException($"'{text}' is not an IP address");
    }

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToString());
    }
}

public sealed class MacAddressJsonConverter : JsonConverter<MacAddress>
{
    public override MacAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return MacAddress.TryParse(text, out var mac) ? mac : throw new JsonException($"'{text}' is not a MAC address");
    }

    public override void Write(Utf8JsonWriter writer, MacAddress value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
