using System.Net;
using Weft.Core.Addressing;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.Lab;

/// <summary>
/// The shape of a lab underlay. The caller names it: every namespace the underlay itself makes is
/// <see cref="NamePrefix"/> followed by "underlay" (with --routed "underlay-a", "underlay-b" and "router"), so `weft lab`
/// passes "NAME-" and tests pass their throw-away "wtt…" prefix.
/// </summary>
public sealed record UnderlayLayout
{
    public required string NamePrefix { get; init; }

    /// <summary>How many hosts will be cabled; with <see cref="Routed"/>, the first half go on the first segment.</summary>
    public required int Hosts { get; init; }

    /// <summary>The first segment's /24 (with <see cref="Routed"/>, the second is the next /24).</summary>
    public IpNetwork Subnet { get; init; } = IpNetwork.Parse("198.18.0.0/24");

    /// <summary>Two L3 segments joined by a router namespace instead of one switch.</summary>
    public bool Routed { get; init; }

    /// <summary>MTU of every underlay link.</summary>
    public int Mtu { get; init; } = 1500;
}

/// <summary>
/// Builds a lab's underlay out of namespaces: a switch (a bridge in a namespace of its own, never in the
/// root namespace, whose firewall rules Docker may have changed) and one namespace per host with eth0 on it.
/// With --routed, two switches joined by a router namespace put the hosts in two L3 subnets. `weft lab` builds
/// its hosts on it, and kernel tests build theirs on the very same one, without agents.
/// </summary>
public sealed class LabUnderlay(UnderlayLayout layout)
{
    /// <summary>The bridge in each switch namespace.</summary>
    public const string SwitchBridge = "br0";

    /// <summary>The underlay interface of every host.</summary>
    public const string HostInterface = "eth0";

    public UnderlayLayout Layout { get; } = layout ?? throw new ArgumentNullException(nameof(layout));

    /// <summary>Where the store listens: .254 of the first underlay subnet, on the switch (flat) or the router (routed).</summary>
    public IPAddress StoreAddress => Layout.Subnet.AddressAt(254u);

    public string StoreNamespace => Layout.Routed ? RouterNamespace : SwitchNamespace(0);

    public string RouterNamespace => $"{Layout.NamePrefix}router";

    /// <summary>
    /// A namespace that stands for the internet: cabled to the first switch as .253, it holds <see cref="OutsideAddress"/>
    /// in <see cref="OutsideRange"/>, a range no host is on, which every host reaches through a route (as a host reaches
    /// the internet through its gateway). Carved from the lab's own /24 (.240/29, above every host's address and
    /// below the store's .254), so a lab never uses an address outside the underlay it was given.
    /// </summary>
    public string OutsideNamespace => $"{Layout.NamePrefix}outside";

    /// <summary>The outside's range: .240/29 of the first segment's /24 (a /28 would cover the store's .254).</summary>
    public IpNetwork OutsideRange => IpNetwork.Containing(Layout.Subnet.AddressAt(240u), 29);

    /// <summary>The address that stands for a server on the internet.</summary>
    public IPAddress OutsideAddress => Layout.Subnet.AddressAt(241u);

    /// <summary>The outside's leg on the first segment: the hosts' next hop to <see cref="OutsideRange"/>.</summary>
    public IPAddress OutsideGateway => Layout.Subnet.AddressAt(253u);

    /// <summary>The namespace of segment <paramref name="segment"/>'s switch (0, or 1 on a routed underlay).</summary>
    public string SwitchNamespace(int segment) => $"{Layout.NamePrefix}underlay{(Layout.Routed ? (segment == 0 ? "-a" : "-b") : "")}";

    /// <summary>The switches (and router), in the order they are made.</summary>
    public IReadOnlyList<string> InfrastructureNamespaces =>
        Layout.Routed ? [SwitchNamespace(0), SwitchNamespace(1), RouterNamespace, OutsideNamespace] : [SwitchNamespace(0), OutsideNamespace];

    private IpNetwork Segment(int segment) =>
        segment == 0
            ? Layout.Subnet
            : IpNetwork.Containing(IpAddressMath.FromUInt128(IpAddressMath.ToUInt128(Layout.Subnet.BaseAddress) + 256, Layout.Subnet.Family), 24);

    /// <summary>Hosts 1..⌈N/2⌉ sit on the first segment, the rest on the second (routed only).</summary>
    public int SegmentOf(int host) => Layout.Routed && host > (Layout.Hosts + 1) / 2 ? 1 : 0;

    /// <summary>Host <paramref name="i"/>'s (1-based) underlay address.</summary>
    public IPAddress HostAddress(int i)
    {
        var segment = SegmentOf(i);
        return Segment(segment).AddressAt((uint)(segment == 0 ? i : i - ((Layout.Hosts + 1) / 2)));
    }

    /// <summary>Creates the switches (and router) and returns nothing to undo on its own: whoever named them removes them by name.</summary>
    public void BuildInfrastructure()
    {
        foreach (var ns in InfrastructureNamespaces)
        {
            NetworkNamespace.Create(ns).Dispose();
        }
        for (var segment = 0; segment < (Layout.Routed ? 2 : 1); segment++)
        {
            using var sw = NetworkNamespace.Open(SwitchNamespace(segment));
            using var nl = sw.OpenNetlink();
            nl.SetLinkUp("lo");
            nl.AddLink(new Bridge { Name = SwitchBridge, Mtu = Layout.Mtu });
            nl.SetLinkUp(SwitchBridge);
            if (!Layout.Routed)
            {
                // The flat lab's store host is the switch itself.
                nl.AddAddress(SwitchBridge, StoreAddress, 24);
            }
        }
        if (Layout.Routed)
        {
            using var router = NetworkNamespace.Open(RouterNamespace);
            using var rnl = router.OpenNetlink();
            rnl.SetLinkUp("lo");
            for (var segment = 0; segment < 2; segment++)
            {
                var leg = segment == 0 ? "leg-a" : "leg-b";
                PlugInto(segment, $"rt{segment}", router, leg);
                rnl.AddAddress(leg, Segment(segment).AddressAt(254u), 24);
                rnl.SetLinkUp(leg);
                WaitForPort(segment, $"rt{segment}");
            }
            router.WriteSysctl("net.ipv4.ip_forward", "1");
            rnl.AddRoute(new Route { Destination = OutsideRange.ToSystemNetwork(), Gateway = OutsideGateway, OutputLinkIndex = rnl.GetLink("leg-a").Index });
        }
        BuildOutside();
    }

    /// <summary>The outside: .253 on the first segment, <see cref="OutsideAddress"/> on its loopback, and a way back to a routed lab's second segment.</summary>
    private void BuildOutside()
    {
        using var outside = NetworkNamespace.Open(OutsideNamespace);
        PlugInto(0, "out", outside, HostInterface);
        using var nl = outside.OpenNetlink();
        nl.SetLinkUp("lo");
        nl.AddAddress(HostInterface, OutsideGateway, 24);
        nl.SetLinkUp(HostInterface);
        // On loopback: no dummy device needed (the module may be missing), and the address answers all the same.
        nl.AddAddress("lo", OutsideAddress, 32);
        if (Layout.Routed)
        {
            nl.AddRoute(new Route { Destination = Segment(1).ToSystemNetwork(), Gateway = Segment(0).AddressAt(254u), OutputLinkIndex = nl.GetLink(HostInterface).Index });
        }
        WaitForPort(0, "out");
    }

    /// <summary>Creates host <paramref name="i"/>'s namespace with eth0 on its segment, and returns its underlay address.</summary>
    public IPAddress BuildHost(int i, string hostNamespace)
    {
        var address = HostAddress(i);
        using var host = NetworkNamespace.Create(hostNamespace);
        Attach(host, $"h{i}", address, SegmentOf(i));
        return address;
    }

    /// <summary>
    /// Cables <paramref name="target"/> to segment <paramref name="segment"/>'s switch through port <paramref name="port"/>:
    /// eth0 up with <paramref name="address"/>/24, loopback up, and on a routed underlay a default route via the router.
    /// Hosts are built this way; a test attaches a machine of its own (a DNS server, say) the same way.
    /// </summary>
    public void Attach(NetworkNamespace target, string port, IPAddress address, int segment = 0)
    {
        ArgumentNullException.ThrowIfNull(target);
        PlugInto(segment, port, target, HostInterface);
        using var nl = target.OpenNetlink();
        nl.SetLinkUp("lo");
        nl.AddAddress(HostInterface, address, 24);
        nl.SetLinkUp(HostInterface);
        if (Layout.Routed)
        {
            nl.AddRoute(Route.DefaultVia(Segment(segment).AddressAt(254u), nl.GetLink(HostInterface).Index));
        }
        if (segment == 0)
        {
            // The second segment reaches the outside through its default route, the router.
            nl.AddRoute(new Route { Destination = OutsideRange.ToSystemNetwork(), Gateway = OutsideGateway, OutputLinkIndex = nl.GetLink(HostInterface).Index });
        }
        WaitForPort(segment, port);
    }

    /// <summary>
    /// The switch's end of a cable came up first, so it carries frames only once the kernel's link watch has run for it
    /// (see NetlinkHandle.WaitUntilRunning); a lab is ready only when every port is.
    /// </summary>
    private void WaitForPort(int segment, string port)
    {
        using var sw = NetworkNamespace.Open(SwitchNamespace(segment));
        using var nl = sw.OpenNetlink();
        if (!nl.WaitUntilRunning(port, ReadyTimeout))
        {
            throw new LabException($"port {port} of {SwitchNamespace(segment)} does not carry frames {ReadyTimeout.TotalSeconds:0} s after it came up");
        }
    }

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A veth from the segment's switch (port <paramref name="port"/>) into <paramref name="target"/> as <paramref name="name"/>.</summary>
    private void PlugInto(int segment, string port, NetworkNamespace target, string name)
    {
        using var sw = NetworkNamespace.Open(SwitchNamespace(segment));
        using var nl = sw.OpenNetlink();
        nl.AddLink(new Veth { Name = port, Mtu = Layout.Mtu, PeerName = name, PeerNamespace = target });
        nl.SetLinkMaster(port, SwitchBridge);
        nl.SetLinkUp(port);
        using var tnl = target.OpenNetlink();
        tnl.SetLinkMtu(name, Layout.Mtu);
    }

    public string Describe() => (Layout.Routed
        ? $"routed: {Segment(0)} and {Segment(1)} joined by {RouterNamespace}"
        : $"flat: {Segment(0)} on switch {SwitchNamespace(0)}") + $"; the outside is {OutsideAddress} in {OutsideNamespace}";
}
