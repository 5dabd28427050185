using Weft.Core.Model;
using Weft.DataPlane.Drivers;

namespace Weft.DataPlane;

/// <summary>The network drivers of one host, by driver name: the one place that knows which class serves which driver.</summary>
public sealed class NetworkDriverRegistry : IDisposable
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

    /// <summary>Lets go of what drivers hold open (the overlay driver's namespace descriptors); the kernel keeps what was built.</summary>
    public void Dispose()
    {
        foreach (var driver in All.OfType<IDisposable>())
        {
            driver.Dispose();
        }
    }
}
