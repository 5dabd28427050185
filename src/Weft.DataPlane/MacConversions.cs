using System.Net.NetworkInformation;
using Weft.Core.Addressing;

namespace Weft.DataPlane;

/// <summary>The model's MAC type and the one the kernel layer speaks.</summary>
internal static class MacConversions
{
    public static MacAddress ToCore(this PhysicalAddress mac) => new(mac.GetAddressBytes());

    public static PhysicalAddress ToPhysical(this MacAddress mac) => new(mac.ToBytes());
}
