using System.Net;
using Weft.Core.Model;
using Weft.Linux.Namespaces;

namespace Weft.DataPlane.Drivers;

/// <summary>
/// Docker's <c>none</c>: a sandbox on a null network has loopback only, which every sandbox namespace Weft makes has
/// up from the start. The driver builds nothing, so there is nothing to list, repair or remove.
/// </summary>
public sealed class NullDriver : INetworkDriver
{
    public NetworkDriver Kind => NetworkDriver.Null;

    public bool LingersWhenIdle => false;

    /// <summary>The loopback's, the one interface a sandbox on a null network has.</summary>
    public int Mtu(NetworkRecord network) => LoopbackMtu;

    public const int LoopbackMtu = 65536;

    public IPAddress? DnsAddress(NetworkRecord network) => null;

    public IReadOnlyList<IPAddress> DnsListenAddresses(NetworkRecord network) => [];

    public string? EgressInterface(NetworkRecord network) => null;

    public string? SharedNamespacePath(NetworkRecord network) => null;

    public NetworkNamespace? OpenGatewayNamespace(NetworkRecord network) => null;

    public ApplyResult Apply(NetworkPlan plan) => default;

    public void Join(NetworkPlan plan, LocalEndpoint endpoint)
    {
    }

    /// <summary>No interface goes into the sandbox.</summary>
    public ApplyResult EnsureSandboxSide(NetworkPlan plan, LocalEndpoint endpoint) => default;

    public bool Leave(NetworkRecord network, string endpointId) => false;

    public IReadOnlyList<string> ListBuilt() => [];

    public string BuiltName(NetworkRecord network) => "";

    public void Remove(string builtName)
    {
    }
}
