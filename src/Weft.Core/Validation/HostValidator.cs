using System.Net;
using System.Net.Sockets;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;

namespace Weft.Core.Validation;

public static class HostValidator
{
    private static readonly IpNetwork IPv4Multicast = IpNetwork.Parse("224.0.0.0/4");

    /// <exception cref="WeftValidationException">the first broken rule, with its code.</exception>
    public static void Validate(HostRecord host)
    {
        ArgumentNullException.ThrowIfNull(host);
        WeftIds.Validate(host.Id, "host");
        NameRules.ValidateHostName(host.Name);
        var underlay = IpAddressText.Parse(host.UnderlayAddress);
        // Other hosts send VXLAN to this address, so it must name exactly one interface.
        var multicast = underlay.AddressFamily == AddressFamily.InterNetwork ? IPv4Multicast.Contains(underlay) : underlay.IsIPv6Multicast;
        if (multicast || underlay.Equals(IPAddress.Any) || underlay.Equals(IPAddress.IPv6Any))
        {
            throw new WeftValidationException(ErrorCodes.InvalidHost, $"host '{host.Name}': underlay address {underlay} cannot be a VTEP (it is unspecified or multicast)");
        }

        if (host.Incarnation < 1)
        {
            throw new WeftValidationException(ErrorCodes.InvalidHost, $"host '{host.Name}': incarnation {host.Incarnation} must be 1 or more (it counts agent starts)");
        }

        if (string.IsNullOrWhiteSpace(host.AgentVersion))
        {
            throw new WeftValidationException(ErrorCodes.InvalidHost, $"host '{host.Name}': the agent version is empty");
        }
    }
}
