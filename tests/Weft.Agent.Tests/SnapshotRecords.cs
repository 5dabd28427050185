using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.Core.Naming;

namespace Weft.Agent.Tests;

/// <summary>
/// Records shaped as the control plane stores them, for the pure tests that build a cluster snapshot with
/// <c>ClusterSnapshot.Empty.With(…)</c>: readable ids, a sandbox's namespace named as the agent names it.
/// </summary>
internal static class SnapshotRecords
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A host whose lease is alive: <c>With</c> it, and its endpoints are reachable.</summary>
    public static HostRecord LiveHost(string name, string underlayAddress) => new()
    {
        Id = "id-" + name,
        Name = name,
        UnderlayAddress = underlayAddress,
        Incarnation = 1,
        AgentVersion = "test",
        StartedAt = Now,
    };

    /// <summary>What the cluster remembers of a host, alive or not.</summary>
    public static HostInfoRecord KnownHost(string name, string underlayAddress) => new()
    {
        Id = "id-" + name,
        Name = name,
        UnderlayAddress = underlayAddress,
        Incarnation = 1,
    };

    public static NetworkRecord Overlay(string name, string subnet, int? vni = 256, bool isInternal = false) =>
        Network(name, NetworkDriver.Overlay, subnet) with { Vni = vni, Internal = isInternal };

    /// <summary>A network of any driver; host and null networks have no subnet.</summary>
    public static NetworkRecord Network(string name, NetworkDriver driver, string? subnet = null) => new()
    {
        Id = "net-" + name,
        Name = name,
        Driver = driver,
        Scope = driver.ScopeOf(),
        Subnets = subnet is null ? [] : [new SubnetConfig { Subnet = IpNetwork.Parse(subnet), Gateway = IpNetwork.Parse(subnet).AddressAt(1u) }],
        CreatedAt = Now,
    };

    /// <summary>A sandbox on host <paramref name="hostName"/> in a namespace of its own (weftsb-HOST_NAME).</summary>
    public static SandboxRecord Sandbox(string name, string hostName, string? hostname = null, params string[] extraHosts) => new()
    {
        Id = "sb-" + name,
        Name = name,
        HostId = "id-" + hostName,
        Hostname = hostname,
        ExtraHosts = [.. extraHosts.Select(HostEntry.Parse)],
        NetworkNamespace = "/run/netns/" + KernelNames.SandboxNamespaceName(hostName, name),
        CreatedAt = Now,
    };

    /// <summary>A sandbox that `weft run --net HOSTNET` put in its host's own namespace (the pin weft-HOST).</summary>
    public static SandboxRecord SandboxOnHostNamespace(string name, string hostName) =>
        Sandbox(name, hostName) with { NetworkNamespace = "/run/netns/" + KernelNames.HostNamespaceName(hostName) };

    /// <summary>The sandbox's endpoint on a network, on the sandbox's host, named after the sandbox as DNS answers it.</summary>
    public static EndpointRecord Endpoint(NetworkRecord network, SandboxRecord sandbox, string? address, string interfaceName = "eth0", params string[] aliases)
    {
        var id = $"ep-{sandbox.Name}-{network.Name}";
        return new()
        {
            Id = id,
            NetworkId = network.Id,
            NetworkName = network.Name,
            SandboxId = sandbox.Id,
            ContainerName = sandbox.Name,
            Hostname = sandbox.Hostname,
            Aliases = aliases,
            HostId = sandbox.HostId,
            Address = address is null ? null : IPAddress.Parse(address),
            Mac = MacAddress.ForEndpoint(id),
            InterfaceName = interfaceName,
            CreatedAt = Now,
        };
    }
}
