using System.Globalization;
using System.Net;
using Weft.Api.Cni;
using Weft.Core.Model;

namespace Weft.Agent.Cni;

/// <summary>ADD's result for one endpoint, in the config's version (pure, so each version's shape is unit-tested).</summary>
public static class CniResults
{
    /// <param name="dnsAddress">Where Weft's DNS answers this network's sandboxes (its gateway); null for a network without DNS.</param>
    /// <param name="hostResolvConf">The host's resolv.conf, whose search domains and options follow the network's own.</param>
    public static CniResult Build(string version, EndpointRecord endpoint, NetworkRecord network, string netns, int mtu, bool defaultRoute,
        IPAddress? dnsAddress, string hostResolvConf)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(network);
        var subnet = endpoint.Address is null ? null : network.Subnets.FirstOrDefault(s => s.Subnet.Contains(endpoint.Address));
        var ips = endpoint.Address is null || subnet is null
            ? []
            : new[]
            {
                new CniIpConfig($"{endpoint.Address}/{subnet.Subnet.PrefixLength.ToString(CultureInfo.InvariantCulture)}", subnet.Gateway?.ToString(), Interface: 0,
                    Version: version == CniVersions.V040 ? "4" : null),
            };
        var routes = defaultRoute && !network.Internal && subnet?.Gateway is { } gateway ? new[] { new CniRoute("0.0.0.0/0", gateway.ToString()) } : [];
        var iface = new CniInterface(endpoint.InterfaceName, endpoint.Mac.ToString(), netns, version == CniVersions.V110 ? mtu : null);
        return new CniResult(version, [iface], ips, routes, Dns(dnsAddress, network, hostResolvConf));
    }

    /// <summary>Weft's server, the network's name as the first search domain (so `ping web` finds web.NETWORK), then the host's.</summary>
    public static CniDns Dns(IPAddress? dnsAddress, NetworkRecord network, string hostResolvConf)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(hostResolvConf);
        if (dnsAddress is null)
        {
            return new CniDns([], null, [], []);
        }
        var search = new List<string> { network.Name.ToLowerInvariant() };
        var options = new List<string>();
        foreach (var line in hostResolvConf.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }
            if (fields[0] is "search" or "domain")
            {
                search.AddRange(fields.Skip(1).Where(d => !search.Contains(d, StringComparer.OrdinalIgnoreCase)));
            }
            else if (fields[0] == "options")
            {
                options.AddRange(fields.Skip(1).Where(o => !options.Contains(o, StringComparer.Ordinal)));
            }
        }
        return new CniDns([dnsAddress.ToString()], null, search, options);
    }
}
