using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Validation;

namespace Weft.Core.Tests;

public class NetworkValidatorTests
{
    private static readonly NetworkRecord Valid = TestRecords.Overlay("frontend", "10.10.0.0/24");

    [Fact]
    public void Accepts_a_complete_overlay() => NetworkValidator.Validate(Valid);

    [Fact]
    public void Accepts_host_and_null_networks_without_addresses()
    {
        NetworkValidator.Validate(Valid with { Driver = NetworkDriver.Host, Scope = NetworkScope.Local, Vni = null, Subnets = [] });
        NetworkValidator.Validate(Valid with { Driver = NetworkDriver.Null, Scope = NetworkScope.Local, Vni = null, Subnets = [] });
    }

    [Fact]
    public void Accepts_a_dual_stack_bridge()
    {
        var bridge = Valid with
        {
            Driver = NetworkDriver.Bridge,
            Scope = NetworkScope.Local,
            Vni = null,
            Subnets = [.. Valid.Subnets, new SubnetConfig { Subnet = T.Net("fd00:1::/64"), Gateway = T.Ip("fd00:1::1") }],
            Mtu = 1500,
        };
        NetworkValidator.Validate(bridge);
    }

    public static TheoryData<string, Func<NetworkRecord, NetworkRecord>, string, string> Broken => new()
    {
        { "bad name", n => n with { Name = "../x" }, ErrorCodes.InvalidName, "'../x'" },
        { "bad id", n => n with { Id = "a/b" }, ErrorCodes.InvalidId, "'a/b'" },
        { "overlay in local scope", n => n with { Scope = NetworkScope.Local }, ErrorCodes.InvalidNetwork, "global scope, not local" },
        { "bridge in global scope", n => n with { Driver = NetworkDriver.Bridge, Vni = null }, ErrorCodes.InvalidNetwork, "local scope, not global" },
        { "overlay without vni", n => n with { Vni = null }, ErrorCodes.InvalidNetwork, "needs a VNI" },
        { "bridge with vni", n => n with { Driver = NetworkDriver.Bridge, Scope = NetworkScope.Local }, ErrorCodes.InvalidNetwork, "only overlay" },
        { "vni out of range", n => n with { Vni = 1 << 24 }, ErrorCodes.InvalidVni, "16777216" },
        { "overlay without subnets", n => n with { Subnets = [] }, ErrorCodes.InvalidNetwork, "at least one subnet" },
        { "host with subnets", n => n with { Driver = NetworkDriver.Host, Scope = NetworkScope.Local, Vni = null }, ErrorCodes.InvalidNetwork, "takes no subnets" },
        { "bad gateway", n => n with { Subnets = [new SubnetConfig { Subnet = T.Net("10.0.0.0/24"), Gateway = T.Ip("10.0.0.255") }] }, ErrorCodes.InvalidGateway, "10.0.0.255" },
        { "overlapping subnets", n => n with { Subnets = [.. n.Subnets, new SubnetConfig { Subnet = T.Net("10.10.0.128/25") }] }, ErrorCodes.Overlap, "10.10.0.128/25" },
        { "mtu too small for ipv6", n => n with { Mtu = 1200, Subnets = [new SubnetConfig { Subnet = T.Net("fd00::/64") }] }, ErrorCodes.InvalidMtu, "1200" },
        { "empty label key", n => n with { Labels = new Dictionary<string, string> { [""] = "x" } }, ErrorCodes.InvalidNetwork, "label keys" },
        { "undefined driver", n => n with { Driver = (NetworkDriver)42 }, ErrorCodes.InvalidNetwork, "'42'" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Rejects_broken_records(string why, Func<NetworkRecord, NetworkRecord> breakIt, string code, string mention)
    {
        Assert.NotNull(why);
        T.Rule(code, () => NetworkValidator.Validate(breakIt(Valid)), mention);
    }
}

public class EndpointValidatorTests
{
    private static readonly NetworkRecord Network = TestRecords.Overlay("frontend", "10.10.0.0/24");

    [Fact]
    public void Accepts_a_valid_endpoint() => EndpointValidator.Validate(TestRecords.Endpoint(Network, "10.10.0.2"), Network);

    [Fact]
    public void Accepts_an_endpoint_without_address_on_a_host_network()
    {
        var host = Network with { Driver = NetworkDriver.Host, Scope = NetworkScope.Local, Vni = null, Subnets = [] };
        EndpointValidator.Validate(TestRecords.Endpoint(host, null), host);
        T.Rule(ErrorCodes.InvalidEndpoint, () => EndpointValidator.Validate(TestRecords.Endpoint(host, "10.10.0.2"), host), "gives no addresses");
    }

    public static TheoryData<string, Func<EndpointRecord, EndpointRecord>, string, string> Broken => new()
    {
        { "no address", e => e with { Address = null }, ErrorCodes.InvalidEndpoint, "needs an address" },
        { "outside subnets", e => e with { Address = T.Ip("10.11.0.2") }, ErrorCodes.IpOutOfRange, "10.11.0.2" },
        { "gateway", e => e with { Address = T.Ip("10.10.0.1") }, ErrorCodes.IpReserved, "gateway" },
        { "broadcast", e => e with { Address = T.Ip("10.10.0.255") }, ErrorCodes.IpReserved, "10.10.0.255" },
        { "multicast mac", e => e with { Mac = MacAddress.Parse("01:00:5e:00:00:01") }, ErrorCodes.InvalidMac, "01:00:5e:00:00:01" },
        { "zero mac", e => e with { Mac = default }, ErrorCodes.InvalidMac, "00:00:00:00:00:00" },
        { "long interface name", e => e with { InterfaceName = "a-very-long-ifname" }, ErrorCodes.InvalidInterfaceName, "a-very-long-ifname" },
        { "bad alias", e => e with { Aliases = ["ok", "not ok"] }, ErrorCodes.InvalidAlias, "'not ok'" },
        { "bad container name", e => e with { ContainerName = "/web" }, ErrorCodes.InvalidName, "'/web'" },
        { "other network", e => e with { NetworkName = "backend" }, ErrorCodes.InvalidEndpoint, "'backend'" },
        { "bad sandbox id", e => e with { SandboxId = "" }, ErrorCodes.InvalidId, "sandbox id" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Rejects_broken_records(string why, Func<EndpointRecord, EndpointRecord> breakIt, string code, string mention)
    {
        Assert.NotNull(why);
        T.Rule(code, () => EndpointValidator.Validate(breakIt(TestRecords.Endpoint(Network, "10.10.0.2")), Network), mention);
    }
}

public class HostValidatorTests
{
    [Fact]
    public void Accepts_a_valid_host()
    {
        HostValidator.Validate(TestRecords.Host());
        HostValidator.Validate(TestRecords.Host() with { UnderlayAddress = "2001:db8::7" });
    }

    [Theory]
    [InlineData("0.0.0.0", ErrorCodes.InvalidHost)]
    [InlineData("::", ErrorCodes.InvalidHost)]
    [InlineData("239.1.1.1", ErrorCodes.InvalidHost)]
    [InlineData("ff02::1", ErrorCodes.InvalidHost)]
    [InlineData("node-2", ErrorCodes.InvalidAddress)]
    [InlineData("10.1", ErrorCodes.InvalidAddress)]
    public void Rejects_underlay_addresses_that_cannot_be_a_vtep(string underlay, string code) =>
        T.Rule(code, () => HostValidator.Validate(TestRecords.Host() with { UnderlayAddress = underlay }), underlay);

    [Fact]
    public void Rejects_bad_names_incarnations_and_versions()
    {
        T.Rule(ErrorCodes.InvalidName, () => HostValidator.Validate(TestRecords.Host() with { Name = "node_1" }), "node_1");
        T.Rule(ErrorCodes.InvalidHost, () => HostValidator.Validate(TestRecords.Host() with { Incarnation = 0 }), "incarnation 0");
        T.Rule(ErrorCodes.InvalidHost, () => HostValidator.Validate(TestRecords.Host() with { AgentVersion = " " }), "agent version");
    }
}
