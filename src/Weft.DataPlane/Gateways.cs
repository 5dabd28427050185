using System.Net;
using Weft.Core.Model;

namespace Weft.DataPlane;

/// <summary>The gateway rule of the drivers that have one (overlay, bridge): the first subnet's gateway is where sandboxes send DNS.</summary>
internal static class Gateways
{
    public static IPAddress? First(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Subnets.Count > 0 ? network.Subnets[0].Gateway : null;
    }
}
