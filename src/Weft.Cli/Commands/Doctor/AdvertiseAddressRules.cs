using System.Net;
using System.Net.Sockets;
using Weft.Core.Addressing;

namespace Weft.Cli.Commands.Doctor;

/// <summary>Whether other hosts can send VXLAN to an underlay (advertise) address, judged by the address alone.</summary>
internal static class AdvertiseAddressRules
{
    private static readonly IpNetwork UserModeNat = IpNetwork.Parse("10.0.2.0/24");
    private static readonly IpNetwork LinkLocal = IpNetwork.Parse("169.254.0.0/16");

    /// <summary>Null for an address other hosts can plausibly reach; else why not, and how bad (warning or error).</summary>
    public static (string Severity, string Why)? Judge(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return null;
        }
        if (IPAddress.IsLoopback(address))
        {
            return (DoctorFindings.Error, "a loopback address: no other host can reach it");
        }
        if (address.Equals(IPAddress.Any))
        {
            return (DoctorFindings.Error, "the unspecified address");
        }
        if (UserModeNat.Contains(address))
        {
            // 10.0.2.15 is the guest's address behind VirtualBox's NAT adapter and QEMU's user-mode network: every such
            // VM has the same one, and nothing outside the VM can open a connection to it.
            return (DoctorFindings.Warning, "a NAT-only address (VirtualBox NAT or QEMU user-mode networking give every VM 10.0.2.15): other hosts cannot send VXLAN to it");
        }
        if (LinkLocal.Contains(address))
        {
            return (DoctorFindings.Warning, "a link-local address: only hosts on the same link reach it, and it may change");
        }
        return null;
    }
}
