using Weft.Core.Errors;
using System.Net;
using Weft.Api;
using Weft.Wire;
using Weft.Core.Addressing;

namespace Weft.Cli.Commands.Capture;

/// <summary>
/// What the cluster calls the numbers on the wire: VNI → network, (VNI, IP or MAC) → sandbox, underlay IP → host.
/// Looked up per packet without allocating; loaded once from the agent when the capture starts.
/// </summary>
internal sealed class CaptureNames
{
    private readonly Dictionary<int, string> _networks = [];
    private readonly Dictionary<(int Vni, WireAddress Address), string> _byAddress = [];
    private readonly Dictionary<(int Vni, MacAddress Mac), string> _byMac = [];
    private readonly Dictionary<WireAddress, string> _hosts = [];

    /// <summary>No names at all: every number is printed as it is.</summary>
    public static CaptureNames Empty => new();

    /// <summary>Asks the agent for its own host, every overlay network and every endpoint on them.</summary>
    public static async Task<CaptureNames> LoadAsync(WeftApiClient agent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var names = new CaptureNames();
        var status = await agent.StatusAsync(cancellationToken);
        names.AddHost(status.UnderlayAddress, status.Host);
        foreach (var summary in await agent.ListNetworksAsync(cancellationToken))
        {
            if (summary.Vni is null)
            {
                continue;
            }

            NetworkDetail network;
            try
            {
                network = await agent.InspectNetworkAsync(summary.Name, cancellationToken);
            }
            catch (WeftApiException e) when (e.Code == ErrorCodes.NotFound)
            {
                continue; // Removed between the listing and now.
            }

            names.AddNetwork(network);
        }

        return names;
    }

    public void AddNetwork(NetworkDetail network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.Vni is not { } vni)
        {
            return;
        }

        _networks[vni] = network.Name;
        foreach (var e in network.Endpoints)
        {
            AddEndpoint(vni, e);
        }
    }

    public void AddEndpoint(int vni, EndpointView endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var name = endpoint.ContainerName ?? endpoint.Sandbox;
        if (endpoint.Address is { } text && IPAddress.TryParse(text, out var ip))
        {
            _byAddress[(vni, WireAddress.From(ip))] = name;
        }

        if (MacAddress.TryParse(endpoint.Mac, out var mac))
        {
            _byMac[(vni, mac)] = name;
        }

        AddHost(endpoint.HostAddress, endpoint.Host);
    }

    public void AddHost(string? underlayAddress, string name)
    {
        if (underlayAddress is not null && IPAddress.TryParse(underlayAddress, out var ip))
        {
            _hosts[WireAddress.From(ip)] = name;
        }
    }

    /// <summary>The VNI of a network by name, when it is an overlay this agent knows.</summary>
    public int? VniOf(string network)
    {
        foreach (var (vni, name) in _networks)
        {
            if (name == network)
            {
                return vni;
            }
        }

        return null;
    }

    public string? Network(int vni) => _networks.GetValueOrDefault(vni);

    public string? Host(WireAddress underlay) => _hosts.GetValueOrDefault(underlay);

    /// <summary>The sandbox that owns an inner address, else the one that owns the MAC it came from or went to.</summary>
    public string? Sandbox(int vni, WireAddress address, MacAddress mac) =>
        _byAddress.GetValueOrDefault((vni, address)) ?? _byMac.GetValueOrDefault((vni, mac));

    public string? Sandbox(int vni, MacAddress mac) => _byMac.GetValueOrDefault((vni, mac));
}
