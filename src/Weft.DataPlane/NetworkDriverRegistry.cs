using Weft.Core.Model;
using Weft.DataPlane.Drivers;

namespace Weft.DataPlane;

/// <summary>The network drivers of one host, by driver name: the one place that knows which class serves which driver.</summary>
public sealed class NetworkDriverRegistry
{
    private readonly Dictionary<NetworkDriver, INetworkDriver> _drivers;

    public NetworkDriverRegistry(HostContext host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
        INetworkDriver[] all = [new OverlayDriver(host), new BridgeDriver(), new HostDriver(host), new NullDriver()];
        _drivers = all.ToDictionary(d => d.Kind);
        All = all;
    }

    public HostContext Host { get; }

    public IReadOnlyList<INetworkDriver> All { get; }

    public INetworkDriver this[NetworkDriver kind] => _drivers[kind];

    public INetworkDriver For(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return _drivers[network.Driver];
    }
}
