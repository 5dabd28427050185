using System.Net.Sockets;
using Weft.Core.Errors;
using Weft.Core.Model;

namespace Weft.Core.Overlay;

/// <summary>
/// MTU rules. An overlay's MTU is the underlay's less the VXLAN headers unless the operator set
/// one: Docker's fixed 1450 wastes jumbo frames and breaks on clouds with smaller underlays.
/// </summary>
public static class MtuRules
{
    /// <summary>Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8.</summary>
    public const int VxlanOverheadIPv4 = 50;

    /// <summary>Outer Ethernet 14 + IPv6 40 + UDP 8 + VXLAN 8.</summary>
    public const int VxlanOverheadIPv6 = 70;

    /// <summary>RFC 791: every IPv4 host must take a 68-byte datagram unfragmented.</summary>
    public const int MinIPv4 = 68;

    /// <summary>RFC 8200: IPv6 needs links of at least 1280 bytes.</summary>
    public const int MinIPv6 = 1280;

    public const int Max = 65535;

    /// <summary>The MTU that fits an overlay frame in one underlay packet.</summary>
    public static int OverlayMtu(int underlayMtu, AddressFamily underlayFamily = AddressFamily.InterNetwork)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(underlayMtu, 1);
        return underlayMtu - (underlayFamily == AddressFamily.InterNetworkV6 ? VxlanOverheadIPv6 : VxlanOverheadIPv4);
    }

    /// <param name="carriesIPv6">Whether the network has an IPv6 subnet, which raises the floor to 1280.</param>
    /// <exception cref="WeftValidationException">invalid-mtu.</exception>
    public static void Validate(int mtu, bool carriesIPv6)
    {
        var min = carriesIPv6 ? MinIPv6 : MinIPv4;
        if (mtu < min || mtu > Max)
        {
            var why = carriesIPv6 ? " (the network carries IPv6, which needs at least 1280)" : string.Empty;
            throw new WeftValidationException(ErrorCodes.InvalidMtu, $"MTU {mtu} is out of range: use {min} to {Max}{why}");
        }
    }

    /// <summary>
    /// The MTU a network's interfaces get on a host: the configured one, else the overlay MTU for
    /// an overlay, else the underlay's (a bridge adds no headers).
    /// </summary>
    /// <exception cref="WeftValidationException">invalid-mtu when the underlay is too small for the network.</exception>
    public static int Effective(NetworkRecord network, int underlayMtu, AddressFamily underlayFamily = AddressFamily.InterNetwork)
    {
        ArgumentNullException.ThrowIfNull(network);
        var carriesIPv6 = network.Subnets.Any(s => s.Subnet.IsIPv6);
        if (network.Mtu is { } configured)
        {
            Validate(configured, carriesIPv6);
            return configured;
        }

        var mtu = network.Driver == NetworkDriver.Overlay ? OverlayMtu(underlayMtu, underlayFamily) : underlayMtu;
        try
        {
            Validate(mtu, carriesIPv6);
        }
        catch (WeftValidationException e)
        {
            throw new WeftValidationException(ErrorCodes.InvalidMtu, $"network '{network.Name}': an underlay MTU of {underlayMtu} leaves {mtu}; {e.Message}. Set the network's MTU or raise the underlay's");
        }

        return mtu;
    }
}
