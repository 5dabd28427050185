using System.Net;
using Weft.Lab;
using Weft.Linux.Namespaces;

namespace Weft.Testing;

/// <summary>
/// The lab's underlay (<see cref="LabUnderlay"/>, the one `weft lab` builds) for a kernel test without agents: a switch
/// namespace and N host namespaces whose eth0 sits on it (198.18.0.N/24), named under a <see cref="TestNamespaces"/> id
/// and removed with it, also after a failure. When <see cref="Create"/> returns, every link carries frames.
/// </summary>
public sealed class TestUnderlay : IDisposable
{
    private readonly List<UnderlayHost> _hosts = [];

    private TestUnderlay(TestNamespaces namespaces, LabUnderlay builder)
    {
        Namespaces = namespaces;
        Builder = builder;
    }

    /// <summary>Owns every namespace of the underlay; more can be made with it and go with it.</summary>
    public TestNamespaces Namespaces { get; }

    public LabUnderlay Builder { get; }

    /// <summary>In the name of every namespace of this underlay, and of those made on it (a driver's weft-HOST_NET).</summary>
    public string Id => Namespaces.Id;

    public IReadOnlyList<UnderlayHost> Hosts => _hosts;

    /// <summary>Host <paramref name="number"/>, counted from 1 as its address is.</summary>
    public UnderlayHost Host(int number) => _hosts[number - 1];

    public static TestUnderlay Create(int hosts, int mtu = 1500, bool routed = false)
    {
        var namespaces = new TestNamespaces();
        try
        {
            var underlay = new TestUnderlay(namespaces, new LabUnderlay(new UnderlayLayout { NamePrefix = namespaces.Id, Hosts = hosts, Mtu = mtu, Routed = routed }));
            underlay.Build(hosts);
            return underlay;
        }
        catch
        {
            namespaces.Dispose();
            throw;
        }
    }

    public void Dispose() => Namespaces.Dispose();

    private void Build(int hosts)
    {
        Builder.BuildInfrastructure();
        for (var i = 1; i <= hosts; i++)
        {
            var name = Namespaces.NameFor($"h{i}");
            var address = Builder.BuildHost(i, name);
            _hosts.Add(new UnderlayHost(i, name, Namespaces.Open(name), address));
        }
    }
}

/// <summary>One host of a <see cref="TestUnderlay"/>: its namespace (open until the underlay is disposed) and eth0's address.</summary>
public sealed record UnderlayHost(int Number, string Name, NetworkNamespace Namespace, IPAddress Address)
{
    public const string Interface = LabUnderlay.HostInterface;
}
