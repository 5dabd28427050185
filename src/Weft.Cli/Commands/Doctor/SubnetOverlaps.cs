using Weft.Api;
using Weft.Core.Addressing;

namespace Weft.Cli.Commands.Doctor;

/// <summary>A network's subnet that overlaps a route of some host: that host would send the network's traffic the wrong way.</summary>
internal sealed record SubnetOverlap(string Network, IpNetwork Subnet, string Host, IpNetwork Route);

/// <summary>Checks every network's subnets against every host's routes (hosts publish theirs with their host record).</summary>
internal static class SubnetOverlaps
{
    public static IReadOnlyList<SubnetOverlap> Find(IReadOnlyList<DoctorNetworkView> networks, IReadOnlyList<DoctorHostView> hosts)
    {
        var found = new List<SubnetOverlap>();
        foreach (var network in networks)
        {
            foreach (var subnet in network.Subnets.Select(IpNetwork.Parse))
            {
                foreach (var host in hosts)
                {
                    foreach (var route in host.Routes.Select(IpNetwork.Parse))
                    {
                        // A bridge network's own bridge lives in the host's namespace, so its subnet is a route of that host.
                        var ownRoute = network.Driver == "bridge" && route == subnet;
                        if (!ownRoute && subnet.Overlaps(route))
                        {
                            found.Add(new SubnetOverlap(network.Name, subnet, host.Name, route));
                        }
                    }
                }
            }
        }
        return found;
    }
}
