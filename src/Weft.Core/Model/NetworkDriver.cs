using System.Text.Json.Serialization;
using Weft.Core.Errors;

namespace Weft.Core.Model;

/// <summary>How a network is carried, with Docker's driver names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkDriver>))]
public enum NetworkDriver
{
    /// <summary>VXLAN between hosts; global scope.</summary>
    [JsonStringEnumMemberName("overlay")]
    Overlay,

    /// <summary>A Linux bridge on one host with NAT to the outside; local scope.</summary>
    [JsonStringEnumMemberName("bridge")]
    Bridge,

    /// <summary>The host's own network stack; no addresses to manage.</summary>
    [JsonStringEnumMemberName("host")]
    Host,

    /// <summary>Loopback only; no addresses to manage.</summary>
    [JsonStringEnumMemberName("null")]
    Null,
}

/// <summary>Where a network's definition is shared: across the cluster, or on one host only.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkScope>))]
public enum NetworkScope
{
    [JsonStringEnumMemberName("global")]
    Global,

    [JsonStringEnumMemberName("local")]
    Local,
}

public static class NetworkDrivers
{
    /// <summary>The driver for a name as the CLI and Docker spell it: "overlay", "bridge", "host", "null".</summary>
    public static NetworkDriver Parse(string? name) => name switch
    {
        "overlay" => NetworkDriver.Overlay,
        "bridge" => NetworkDriver.Bridge,
        "host" => NetworkDriver.Host,
        "null" => NetworkDriver.Null,
        _ => throw new WeftValidationException(ErrorCodes.InvalidNetwork, $"driver '{name}' is unknown (use overlay, bridge, host or null)"),
    };

    public static string ToName(this NetworkDriver driver) => driver switch
    {
        NetworkDriver.Overlay => "overlay",
        NetworkDriver.Bridge => "bridge",
        NetworkDriver.Host => "host",
        NetworkDriver.Null => "null",
        _ => throw new ArgumentOutOfRangeException(nameof(driver), driver, null),
    };

    public static string ToName(this NetworkScope scope) => scope == NetworkScope.Global ? "global" : "local";

    /// <summary>The one scope each driver works in: only an overlay spans hosts.</summary>
    public static NetworkScope ScopeOf(this NetworkDriver driver) =>
        driver == NetworkDriver.Overlay ? NetworkScope.Global : NetworkScope.Local;

    /// <summary>
    /// Whether a sandbox on a network of this driver must be on that network alone: a host-network sandbox lives
    /// in the host's namespace, and a null-network one has loopback only. Docker refuses both combinations too.
    /// </summary>
    public static bool IsExclusive(this NetworkDriver driver) =>
        driver is NetworkDriver.Host or NetworkDriver.Null;

    /// <summary>Whether the driver gives endpoints addresses, and so needs subnets and IPAM.</summary>
    public static bool ManagesAddresses(this NetworkDriver driver) =>
        driver is NetworkDriver.Overlay or NetworkDriver.Bridge;
}
