using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.Core.Naming;

namespace Weft.Core.Tests;

internal static class TestRecords
{
    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static NetworkRecord Overlay(string name, string subnet, string? gateway = null, int vni = 256) => new()
    {
        Id = WeftIds.New(),
        Name = name,
        Driver = NetworkDriver.Overlay,
        Scope = NetworkScope.Global,
        Subnets = [new SubnetConfig { Subnet = T.Net(subnet), Gateway = T.Ip(gateway ?? T.Net(subnet).FirstUsable.ToString()) }],
        Vni = vni,
        CreatedAt = Now,
    };

    public static EndpointRecord Endpoint(NetworkRecord network, string? address) => new()
    {
        Id = "ep1",
        NetworkId = network.Id,
        NetworkName = network.Name,
        SandboxId = "sandbox1",
        ContainerName = "web",
        Hostname = "web",
        Aliases = ["web.local", "frontend"],
        HostId = "host1",
        Address = address is null ? null : T.Ip(address),
        Mac = MacAddress.ForEndpoint("ep1"),
        InterfaceName = "eth0",
        CreatedAt = Now,
    };

    public static HostRecord Host() => new()
    {
        Id = "0123456789abcdef",
        Name = "node-1",
        UnderlayAddress = "198.18.0.1",
        Incarnation = 3,
        AgentVersion = "0.1.0",
        StartedAt = Now,
    };
}
