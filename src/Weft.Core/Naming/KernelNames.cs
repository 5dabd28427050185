using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Weft.Core.Errors;
using Weft.Core.Overlay;

namespace Weft.Core.Naming;

/// <summary>
/// Names of the kernel objects Weft creates. Every one is computed from ids, VNIs or validated
/// names, so any agent can recompute it after a restart, and each carries a Weft prefix, so the
/// reconciler can tell its own objects from everyone else's.
/// </summary>
/// <remarks>
/// Interface names are limited to 15 characters (IFNAMSIZ 16 with the NUL), far shorter than
/// a name a person picks, so they come from a hash of an id (<c>wv</c> + 8 hex = 10 characters).
/// Network namespace names are files under /run/netns and may be long, so they keep the readable
/// names and show up as such in <c>ip netns</c>.
/// </remarks>
public static class KernelNames
{
    public const int MaxInterfaceNameLength = 15;

    /// <summary>The bridge inside each per-network namespace; it holds the gateway address.</summary>
    public const string OverlayBridgeName = "br0";

    public const string VethHostPrefix = "wv";
    public const string VethContainerPrefix = "wc";
    public const string VxlanPrefix = "vx-";
    public const string LocalBridgePrefix = "wb-";

    /// <summary>The host-namespace end of an overlay network's uplink: "wu-" + 8 hex of the network id.</summary>
    public const string UplinkPrefix = "wu-";

    /// <summary>The network namespace's end of its uplink to the host namespace.</summary>
    public const string UplinkNetworkSideName = "uplink";
    public const string NetworkNamespacePrefix = "weft-";
    public const string SandboxNamespacePrefix = "weftsb-";

    /// <summary>'_' cannot occur in a host name, so the first '_' ends the host part.</summary>
    public const char HostSeparator = '_';

    /// <summary>
    /// The host-side end of an endpoint's veth pair: "wv" + 8 hex digits of SHA-256 of the endpoint
    /// id. The same 8 digits end the endpoint's MAC (02:57:xx:xx:xx:xx), which helps when reading a
    /// capture next to <c>ip link</c>.
    /// </summary>
    public static string VethHostName(string endpointId) => VethHostPrefix + HashOf(endpointId);

    /// <summary>
    /// The container-side end while it is still in the network namespace, before it is moved into
    /// the sandbox and renamed to eth0, ...: a name of its own so two endpoints being created at
    /// once never clash.
    /// </summary>
    public static string VethContainerName(string endpointId) => VethContainerPrefix + HashOf(endpointId);

    /// <summary>The VXLAN device of a network: "vx-" + the VNI, at most 11 characters.</summary>
    public static string VxlanDeviceName(int vni)
    {
        VniRules.Validate(vni);
        return VxlanPrefix + vni.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The Linux bridge of a local-scope bridge network, in the host namespace: "wb-" + 8 hex of the network id.</summary>
    public static string LocalBridgeName(string networkId) => LocalBridgePrefix + HashOf(networkId);

    /// <summary>The host end of an overlay network's uplink veth (egress and published ports pass through it).</summary>
    public static string UplinkHostName(string networkId) => UplinkPrefix + HashOf(networkId);

    /// <summary>The interface name inside a sandbox for its n-th network: eth0, eth1, ...</summary>
    public static string SandboxInterfaceName(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return "eth" + index.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The namespace of an overlay network on one host: "weft-{host}_{network}", e.g.
    /// "weft-node-1_frontend". The host name is part of it because netns names are global to a
    /// machine and several agents share one in the lab. At most 5 + 63 + 1 + 63 = 132 characters.
    /// </summary>
    public static string NetworkNamespaceName(string hostName, string networkName)
    {
        NameRules.ValidateHostName(hostName);
        NameRules.ValidateNetworkName(networkName);
        return $"{NetworkNamespacePrefix}{hostName}{HostSeparator}{networkName}";
    }

    /// <summary>
    /// The namespace of a sandbox Weft itself creates (<c>weft run</c>): "weftsb-{host}_{sandbox}".
    /// Its prefix differs from <see cref="NetworkNamespacePrefix"/> at the fifth character, so a
    /// sandbox can never take a network namespace's name.
    /// </summary>
    public static string SandboxNamespaceName(string hostName, string sandboxName)
    {
        NameRules.ValidateHostName(hostName);
        NameRules.ValidateSandboxName(sandboxName);
        return $"{SandboxNamespacePrefix}{hostName}{HostSeparator}{sandboxName}";
    }

    /// <summary>
    /// The name under which an agent pins its own network namespace, the host's, while sandboxes on a
    /// <c>host</c>-driver network use it: "weft-{host}", e.g. "weft-node-1" (Docker's counterpart is
    /// /var/run/docker/netns/default). It holds no '_', so it is never a network namespace's name.
    /// Deleting it only unmounts the pin; the namespace itself lives on with the agent and the host.
    /// </summary>
    public static string HostNamespaceName(string hostName)
    {
        NameRules.ValidateHostName(hostName);
        return NetworkNamespacePrefix + hostName;
    }

    /// <summary>The host of a <see cref="HostNamespaceName"/> ("weft-node-1" → "node-1"); false for any other name.</summary>
    public static bool TryParseHostNamespaceName(string? name, [NotNullWhen(true)] out string? hostName)
    {
        hostName = null;
        if (name is null || !name.StartsWith(NetworkNamespacePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var host = name[NetworkNamespacePrefix.Length..];
        if (!NameRules.IsValidHostName(host))
        {
            return false;
        }

        hostName = host;
        return true;
    }

    /// <summary>Splits a network namespace name back into host and network; false if Weft did not make it.</summary>
    public static bool TryParseNetworkNamespaceName(string? name, [NotNullWhen(true)] out string? hostName, [NotNullWhen(true)] out string? networkName) =>
        TrySplitNamespaceName(name, NetworkNamespacePrefix, out hostName, out networkName);

    public static bool TryParseSandboxNamespaceName(string? name, [NotNullWhen(true)] out string? hostName, [NotNullWhen(true)] out string? sandboxName) =>
        TrySplitNamespaceName(name, SandboxNamespacePrefix, out hostName, out sandboxName);

    /// <summary>The VNI of a Weft VXLAN device name ("vx-4096" → 4096); false for any other name.</summary>
    public static bool TryParseVxlanDeviceName(string? name, out int vni)
    {
        vni = 0;
        if (name is null || !name.StartsWith(VxlanPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var digits = name.AsSpan(VxlanPrefix.Length);
        // Reject "vx-0256": the name Weft would make for 256 is "vx-256", so this one is not ours.
        if (digits.Length is 0 or > 8 || digits[0] == '0' || digits.ContainsAnyExceptInRange('0', '9')
            || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out vni))
        {
            return false;
        }

        return vni <= VniRules.MaxValid;
    }

    /// <summary>True for a host-side veth name Weft makes: "wv" + 8 lowercase hex digits.</summary>
    public static bool IsVethHostName(string? name) => IsHashedName(name, VethHostPrefix);

    /// <summary>
    /// The kernel's rule for interface names (dev_valid_name): 1 to 15 characters, not "." or "..",
    /// no '/', ':' or white space. Weft also keeps to printable ASCII.
    /// </summary>
    public static bool IsValidInterfaceName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxInterfaceNameLength || name is "." or "..")
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is '/' or ':' || c <= ' ' || c > '~')
            {
                return false;
            }
        }

        return true;
    }

    public static void ValidateInterfaceName(string? name)
    {
        if (!IsValidInterfaceName(name))
        {
            throw new WeftValidationException(ErrorCodes.InvalidInterfaceName, $"interface name '{name}' is invalid: use 1 to {MaxInterfaceNameLength} printable characters other than '/', ':' and space, and not '.' or '..'");
        }
    }

    private static string HashOf(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return StableHash.Hex8(id);
    }

    private static bool IsHashedName(string? name, string prefix)
    {
        if (name is null || name.Length != prefix.Length + 8 || !name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in name.AsSpan(prefix.Length))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TrySplitNamespaceName(string? name, string prefix, [NotNullWhen(true)] out string? hostName, [NotNullWhen(true)] out string? objectName)
    {
        hostName = null;
        objectName = null;
        if (name is null || !name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = name[prefix.Length..];
        var separator = rest.IndexOf(HostSeparator, StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        var host = rest[..separator];
        var obj = rest[(separator + 1)..];
        if (!NameRules.IsValidHostName(host) || !NameRules.IsValidName(obj))
        {
            return false;
        }

        hostName = host;
        objectName = obj;
        return true;
    }
}
