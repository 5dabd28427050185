using System.Net;
using System.Net.Sockets;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.DataPlane.Drivers;
using Weft.Linux;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.DataPlane.Tests;

/// <summary>
/// A throw-away lab for one driver test: the lab's own underlay (<see cref="TestUnderlay"/>: a switch, and N "host"
/// namespaces whose eth0 sits on it at 198.18.0.N/24), each host with its own <see cref="OverlayDriver"/>. Every
/// namespace name, including the ones the driver makes (weft-HOST_NET), contains <see cref="Id"/>, so
/// <see cref="Dispose"/> removes everything the test made, also when it failed halfway.
/// </summary>
public sealed class Lab : IDisposable
{
    private readonly TestUnderlay _underlay;
    private int _sandboxes;

    private Lab(TestUnderlay underlay, int underlayMtu)
    {
        _underlay = underlay;
        Hosts = [.. underlay.Hosts.Select(h => new LabHost(h.Name, h.Namespace, h.Address, underlayMtu))];
    }

    /// <summary>In the name of every namespace of this lab; not contained in any other lab's.</summary>
    public string Id => _underlay.Id;

    public IReadOnlyList<LabHost> Hosts { get; }

    public static Lab Create(int hosts, int underlayMtu = 1500) => new(TestUnderlay.Create(hosts, underlayMtu), underlayMtu);

    /// <summary>A fresh, empty sandbox namespace under /run/netns (its Path goes into LocalEndpoint).</summary>
    public NetworkNamespace CreateSandbox() => _underlay.Namespaces.Create($"sb{Interlocked.Increment(ref _sandboxes)}");

    public void Dispose() => _underlay.Dispose();
}

/// <summary>One simulated host: its namespace (where the driver runs, as the agent would) and its driver.</summary>
public sealed class LabHost(string name, NetworkNamespace ns, IPAddress address, int underlayMtu)
{
    public string Name { get; } = name;

    public NetworkNamespace Namespace { get; } = ns;

    public IPAddress Address { get; } = address;

    public HostContext Context { get; } = new(new HostIdentity("id-" + name, name, new Underlay(address, "eth0", underlayMtu, [])));

    public OverlayDriver Driver => new(Context);

    /// <summary>Calls the driver from a thread inside this host's namespace: there it creates its VXLAN devices.</summary>
    public T Run<T>(Func<OverlayDriver, T> call) => Namespace.Run(() => call(Driver));

    public void Run(Action<OverlayDriver> call) => Namespace.Run(() => call(Driver));

    public ApplyResult Apply(NetworkPlan plan) => Run(d => d.Apply(plan));

    /// <summary>What the driver has built in this host (its <see cref="INetworkDriver.ListBuilt"/>), listed from inside it.</summary>
    public IReadOnlyList<string> Built() => Run(d => d.ListBuilt());

    /// <summary>A netlink handle in this host's namespace for a network (weft-HOST_NET).</summary>
    public NetlinkHandle OpenNetworkNamespace(NetworkRecord network)
    {
        using var ns = NetworkNamespace.Open(Driver.NamespaceName(network));
        return ns.OpenNetlink();
    }

    public NetlinkHandle OpenHostNamespace() => Namespace.OpenNetlink();
}

/// <summary>Records shaped like the ones the control plane hands the driver.</summary>
public static class Records
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static NetworkRecord Overlay(string name, int vni, string subnet, string gateway) => new()
    {
        Id = "net-" + name,
        Name = name,
        Driver = NetworkDriver.Overlay,
        Scope = NetworkScope.Global,
        Subnets = [new SubnetConfig { Subnet = IpNetwork.Parse(subnet), Gateway = IPAddress.Parse(gateway) }],
        Vni = vni,
        CreatedAt = Now,
    };

    public static EndpointRecord Endpoint(NetworkRecord network, string id, string address, string hostId, string interfaceName = "eth0") => new()
    {
        Id = id,
        NetworkId = network.Id,
        NetworkName = network.Name,
        SandboxId = "sb-" + id,
        HostId = hostId,
        Address = IPAddress.Parse(address),
        Mac = MacAddress.ForEndpoint(id),
        InterfaceName = interfaceName,
        CreatedAt = Now,
    };

    public static RemoteEndpoint Remote(EndpointRecord endpoint, LabHost host) =>
        new(endpoint.Address!, endpoint.Mac, host.Address);

    public static System.Net.NetworkInformation.PhysicalAddress Physical(MacAddress mac) => new(mac.ToBytes());

    public static AddressFamily V4 => AddressFamily.InterNetwork;
}
