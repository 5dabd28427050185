using System.Net;
using Weft.Api.Cni;
using Weft.Core.Addressing;

namespace Weft.Agent.Cni;

/// <summary>
/// CNI_ARGS ("K=V;K=V"): the per-container arguments a runtime passes. Podman sends `--ip` as IP=, `--mac-address` as
/// MAC= and the container's name as K8S_POD_NAME=, with IgnoreUnknown=1; containerd's `ctr` sends nothing.
/// </summary>
/// <param name="Name">K8S_POD_NAME: the container's name, which Weft's DNS answers for.</param>
public sealed record CniArgs(IPAddress? Ip, MacAddress? Mac, string? Name)
{
    public static readonly CniArgs None = new(null, null, null);

    /// <summary>Keys the Kubernetes conventions define: accepted, and only the pod's name is used.</summary>
    private static readonly string[] Conventional = ["K8S_POD_NAMESPACE", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"];

    /// <summary>Parses CNI_ARGS; an unknown key is refused by name unless IgnoreUnknown is set, as the reference plugins do.</summary>
    public static CniArgs Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return None;
        }
        var pairs = new List<(string Key, string Value)>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Invalid($"'{part}' is not KEY=VALUE");
            }
            pairs.Add((part[..eq], part[(eq + 1)..]));
        }
        var ignoreUnknown = pairs.Any(p => p.Key == "IgnoreUnknown" && (p.Value is "1" || p.Value.Equals("true", StringComparison.OrdinalIgnoreCase)));
        IPAddress? ip = null;
        MacAddress? mac = null;
        string? name = null;
        foreach (var (key, value) in pairs)
        {
            switch (key)
            {
                case "IP":
                    // One IPv4 address; a /prefix is accepted and must be the network's (checked on reserve).
                    var address = value.Split('/')[0];
                    ip = IPAddress.TryParse(address, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                        ? a : throw Invalid($"IP={value} is not an IPv4 address");
                    break;
                case "MAC":
                    mac = MacAddress.TryParse(value, out var m) && m.IsAssignable ? m : throw Invalid($"MAC={value} is not a unicast MAC address");
                    break;
                case "K8S_POD_NAME":
                    name = value.Length > 0 ? value : null;
                    break;
                case "IgnoreUnknown":
                    break;
                default:
                    if (!ignoreUnknown && !Conventional.Contains(key, StringComparer.Ordinal))
                    {
                        throw Invalid($"unknown key {key}={value} (known: IP, MAC, K8S_POD_NAME; IgnoreUnknown=1 lets others pass)");
                    }
                    break;
            }
        }
        return new CniArgs(ip, mac, name);
    }

    private static CniException Invalid(string message) => new(CniErrorCodes.InvalidEnvironment, $"CNI_ARGS: {message}");
}
