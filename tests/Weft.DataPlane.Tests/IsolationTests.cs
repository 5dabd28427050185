using System.Net;
using Weft.Core.Model;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.DataPlane.Tests;

/// <summary>Two overlays on the same hosts share nothing: different VNI, namespace, bridge and entries.</summary>
[RequiresRoot]
public sealed class IsolationTests
{
    [Fact]
    public void A_sandbox_on_one_overlay_cannot_reach_a_sandbox_on_another()
    {
        using var lab = Lab.Create(2);
        var netA = Records.Overlay("neta", 256, "10.0.10.0/24", "10.0.10.1");
        var netB = Records.Overlay("netb", 257, "10.0.20.0/24", "10.0.20.1");
        var a1 = Records.Endpoint(netA, "ep-a1", "10.0.10.2", "h1");
        var a2 = Records.Endpoint(netA, "ep-a2", "10.0.10.3", "h2");
        var b1 = Records.Endpoint(netB, "ep-b1", "10.0.20.2", "h1");
        var b2 = Records.Endpoint(netB, "ep-b2", "10.0.20.3", "h2");
        var sa1 = lab.CreateSandbox();
        var sa2 = lab.CreateSandbox();
        var sb1 = lab.CreateSandbox();
        var sb2 = lab.CreateSandbox();
        var (h1, h2) = (lab.Hosts[0], lab.Hosts[1]);

        h1.Apply(Plan(netA, a1, sa1, Records.Remote(a2, h2)));
        h1.Apply(Plan(netB, b1, sb1, Records.Remote(b2, h2)));
        h2.Apply(Plan(netA, a2, sa2, Records.Remote(a1, h1)));
        h2.Apply(Plan(netB, b2, sb2, Records.Remote(b1, h1)));
        Assert.Equal(["neta", "netb"], h1.Built().Order(StringComparer.Ordinal));

        NamespaceCommands.AssertPings(sa1, a2.Address!);
        NamespaceCommands.AssertPings(sb1, b2.Address!);

        // A container that tries hard: it routes B's subnet straight onto its own segment and pins B2's MAC.
        // Its frames reach A's bridge and A's VXLAN device, which knows no way to B2's MAC.
        using (var nl = sa1.OpenNetlink())
        {
            var eth0 = nl.GetLink("eth0");
            nl.AddRoute(new Route { Destination = IPNetwork.Parse("10.0.20.0/24"), OutputLinkIndex = eth0.Index });
            nl.AddNeighbor(new Neighbor(eth0.Index, b2.Address!) { MacAddress = Records.Physical(b2.Mac) });
        }

        NamespaceCommands.AssertDoesNotPing(sa1, b2.Address!);
        NamespaceCommands.AssertDoesNotPing(sb1, a2.Address!);

        using var nsA = NetworkNamespace.Open(h1.Driver.NamespaceName(netA));
        using var nsB = NetworkNamespace.Open(h1.Driver.NamespaceName(netB));
        using var nlA = nsA.OpenNetlink();
        using var nlB = nsB.OpenNetlink();
        Assert.Null(nlA.FindLink("vx-257"));
        Assert.Null(nlB.FindLink("vx-256"));
        Assert.DoesNotContain(ReconcileTests.SelfFdb(nlA, nlA.GetLink("vx-256").Index), e => e.MacAddress.Equals(Records.Physical(b2.Mac)));
    }

    private static NetworkPlan Plan(NetworkRecord network, EndpointRecord local, NetworkNamespace sandbox, RemoteEndpoint remote) =>
        new(network, [new LocalEndpoint(local, sandbox.Path, DefaultRoute: true)], [remote]);
}
