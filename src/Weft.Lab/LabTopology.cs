using System.Net;
using Weft.Core.Addressing;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.Lab;

/// <summary>
/// Builds the lab's underlay out of namespaces: a switch (a bridge in a namespace of its own, never in the
/// root namespace, whose firewall rules Docker may have changed) and one namespace per host with eth0 on it.
/// With --routed, two switches joined by a router namespace put the hosts in two L3 subnets.
/// </summary>
internal sealed class LabTopology(LabOptions options, string directory)
{
    private const string SwitchBridge = "br0";

    /// <summary>Where the store listens: .254 of the first underlay subnet, on the switch (flat) or the router (routed).</summary>
    public IPAddress StoreAddress => options.Underlay.AddressAt(254u);

    public string StoreNamespace => options.Routed ? RouterNamespace : SwitchNamespace(0);

    private string RouterNamespace => $"{options.Name}-router";

    private string SwitchNamespace(int segment) => $"{options.Name}-underlay{(options.Routed ? (segment == 0 ? "-a" : "-b") : "")}";

    public IReadOnlyList<string> InfrastructureNamespaces =>
        options.Routed ? [SwitchNamespace(0), SwitchNamespace(1), RouterNamespace] : [SwitchNamespace(0)];

    private IpNetwork Segment(int segment) =>
        segment == 0
            ? options.Underlay
            : IpNetwork.Containing(IpAddressMath.FromUInt128(IpAddressMath.ToUInt128(options.Underlay.BaseAddress) + 256, options.Underlay.Family), 24);

    /// <summary>Hosts 1..⌈N/2⌉ sit on the first segment, the rest on the second (routed only).</summary>
    private int SegmentOf(int host) => options.Routed && host > (options.Hosts + 1) / 2 ? 1 : 0;

    /// <summary>Creates the switches (and router) and returns nothing to undo on its own: <see cref="LabTeardown"/> removes by name.</summary>
    public void BuildInfrastructure()
    {
        foreach (var ns in InfrastructureNamespaces)
        {
            NetworkNamespace.Create(ns).Dispose();
        }
        for (var segment = 0; segment < (options.Routed ? 2 : 1); segment++)
        {
            using var sw = NetworkNamespace.Open(SwitchNamespace(segment));
            using var nl = sw.OpenNetlink();
            nl.SetLinkUp("lo");
            nl.AddLink(new Bridge { Name = SwitchBridge, Mtu = options.Mtu });
            nl.SetLinkUp(SwitchBridge);
            if (!options.Routed)
            {
                // The flat lab's store host is the switch itself.
                nl.AddAddress(SwitchBridge, StoreAddress, 24);
            }
        }
        if (options.Routed)
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
            }
            router.WriteSysctl("net.ipv4.ip_forward", "1");
        }
    }

    /// <summary>Creates host <paramref name="i"/>'s namespace with eth0 on its segment, and returns its underlay address.</summary>
    public IPAddress BuildHost(int i, string hostNamespace)
    {
        var segment = SegmentOf(i);
        var address = Segment(segment).AddressAt((uint)(segment == 0 ? i : i - ((options.Hosts + 1) / 2)));
        using var host = NetworkNamespace.Create(hostNamespace);
        PlugInto(segment, $"h{i}", host, "eth0");
        using var nl = host.OpenNetlink();
        nl.SetLinkUp("lo");
        nl.AddAddress("eth0", address, 24);
        nl.SetLinkUp("eth0");
        if (options.Routed)
        {
            nl.AddRoute(Route.DefaultVia(Segment(segment).AddressAt(254u), nl.GetLink("eth0").Index));
        }
        return address;
    }

    /// <summary>A veth from the segment's switch (port <paramref name="port"/>) into <paramref name="target"/> as <paramref name="name"/>.</summary>
    private void PlugInto(int segment, string port, NetworkNamespace target, string name)
    {
        using var sw = NetworkNamespace.Open(SwitchNamespace(segment));
        using var nl = sw.OpenNetlink();
        nl.AddLink(new Veth { Name = port, Mtu = options.Mtu, PeerName = name, PeerNamespace = target });
        nl.SetLinkMaster(port, SwitchBridge);
        nl.SetLinkUp(port);
        using var tnl = target.OpenNetlink();
        tnl.SetLinkMtu(name, options.Mtu);
    }

    public string Describe() => options.Routed
        ? $"routed: {Segment(0)} and {Segment(1)} joined by {RouterNamespace}"
        : $"flat: {Segment(0)} on switch {SwitchNamespace(0)}";

    public string Directory => directory;
}
