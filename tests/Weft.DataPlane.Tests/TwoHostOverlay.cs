using System.Net;
using Weft.Core.Model;
using Weft.Linux.Namespaces;

namespace Weft.DataPlane.Tests;

/// <summary>
/// The common scene: two hosts, one overlay (VNI 256, 10.0.10.0/24, gateway 10.0.10.1), one sandbox per
/// host (10.0.10.2 on host 1, 10.0.10.3 on host 2), each host told about the other's endpoint.
/// </summary>
public sealed class TwoHostOverlay : IDisposable
{
    public const int Vni = 256;
    public static readonly IPAddress Gateway = IPAddress.Parse("10.0.10.1");

    public TwoHostOverlay(int underlayMtu = 1500, int? mtu = null)
    {
        Lab = Lab.Create(2, underlayMtu);
        try
        {
            Mtu = mtu ?? underlayMtu - 50;
            Network = Records.Overlay("net", Vni, "10.0.10.0/24", "10.0.10.1") with { Mtu = mtu };
            Endpoints = [Records.Endpoint(Network, "ep-a", "10.0.10.2", "h1"), Records.Endpoint(Network, "ep-b", "10.0.10.3", "h2")];
            Sandboxes = [Lab.CreateSandbox(), Lab.CreateSandbox()];
        }
        catch
        {
            Lab.Dispose();
            throw;
        }
    }

    public Lab Lab { get; }

    public int Mtu { get; }

    public NetworkRecord Network { get; }

    public IReadOnlyList<EndpointRecord> Endpoints { get; }

    public IReadOnlyList<NetworkNamespace> Sandboxes { get; }

    public LabHost Host(int i) => Lab.Hosts[i];

    /// <summary>What host <paramref name="i"/> should have: its own endpoint, and the other host's as remote.</summary>
    public NetworkPlan Plan(int i, bool local = true, bool remote = true) => new(
        Network,
        local ? [new LocalEndpoint(Endpoints[i], Sandboxes[i].Path, DefaultRoute: true)] : [],
        remote ? [Records.Remote(Endpoints[1 - i], Host(1 - i))] : []);

    public void ApplyBoth()
    {
        Host(0).Apply(Plan(0));
        Host(1).Apply(Plan(1));
    }

    public IPAddress Address(int i) => Endpoints[i].Address!;

    public void Dispose() => Lab.Dispose();
}
