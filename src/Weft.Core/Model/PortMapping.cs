using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using Weft.Core.Addressing;
using Weft.Core.Errors;

namespace Weft.Core.Model;

/// <summary>
/// One published port (Docker's <c>-p [hostip:]hostport:port[/tcp|udp]</c>): traffic to <see cref="HostPort"/> on
/// this host (on <see cref="HostIp"/> only, when given) is DNATed to <see cref="Port"/> of the sandbox's first address.
/// </summary>
public sealed record PortMapping
{
    public const string Tcp = "tcp", Udp = "udp";

    /// <summary>Null: every address of the host.</summary>
    [JsonConverter(typeof(IPAddressJsonConverter))]
    public IPAddress? HostIp { get; init; }

    public required int HostPort { get; init; }

    /// <summary>The sandbox's port.</summary>
    public required int Port { get; init; }

    /// <summary>tcp or udp.</summary>
    public string Protocol { get; init; } = Tcp;

    /// <summary>Docker's text form: [hostip:]hostport:port/proto.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(HostIp is null ? "" : HostIp + ":")}{HostPort}->{Port}/{Protocol}");

    /// <summary>Parses <c>[hostip:]hostport:port[/tcp|udp]</c>; a wrong part is refused with invalid-port, naming it.</summary>
    public static PortMapping Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var protocol = Tcp;
        var spec = text;
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = text[(slash + 1)..];
            spec = text[..slash];
        }
        var parts = spec.Split(':');
        if (parts.Length is < 2 or > 3)
        {
            throw Invalid(text, "expected [hostip:]hostport:port[/tcp|udp] (Weft publishes a fixed host port: no ranges, no random port)");
        }
        IPAddress? hostIp = null;
        if (parts.Length == 3 && (!IPAddress.TryParse(parts[0], out hostIp) || hostIp.AddressFamily != AddressFamily.InterNetwork))
        {
            throw Invalid(text, $"host address '{parts[0]}' is not an IPv4 address");
        }
        var mapping = new PortMapping { HostIp = hostIp, HostPort = ParsePort(text, parts[^2], "host port"), Port = ParsePort(text, parts[^1], "port"), Protocol = protocol };
        mapping.Validate();
        return mapping;
    }

    /// <summary>Checks a mapping that came as JSON (the API) as strictly as <see cref="Parse"/> checks text.</summary>
    public void Validate()
    {
        if (Protocol is not (Tcp or Udp))
        {
            throw Invalid(ToString(), $"protocol '{Protocol}' is not tcp or udp");
        }
        if (HostPort is < 1 or > 65535 || Port is < 1 or > 65535)
        {
            throw Invalid(ToString(), "ports must be 1 to 65535");
        }
        if (HostIp is not null && HostIp.AddressFamily != AddressFamily.InterNetwork)
        {
            throw Invalid(ToString(), $"host address '{HostIp}' is not an IPv4 address");
        }
    }

    /// <summary>0.0.0.0 is every address: the same as none.</summary>
    public PortMapping Normalized() => HostIp is { } ip && ip.Equals(IPAddress.Any) ? this with { HostIp = null } : this;

    private static int ParsePort(string text, string part, string what) =>
        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw Invalid(text, $"{what} '{part}' is not a number from 1 to 65535");

    private static WeftValidationException Invalid(string text, string why) => new(ErrorCodes.InvalidPort, $"published port '{text}': {why}");
}
