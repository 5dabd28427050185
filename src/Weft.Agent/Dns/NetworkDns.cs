using System.Net;
using Weft.Core.Model;

namespace Weft.Agent.Dns;

/// <summary>Where a network's sandboxes send DNS queries: the gateway of its first subnet, on drivers that have a gateway.</summary>
public static class NetworkDns
{
    public const int Port = 53;

    public static IPAddress? ServerAddress(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Driver is NetworkDriver.Overlay or NetworkDriver.Bridge && network.Subnets.Count > 0
            ? network.Subnets[0].Gateway
            : null;
    }
}
