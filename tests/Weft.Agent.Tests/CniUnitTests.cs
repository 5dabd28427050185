using System.Net;
using Weft.Agent.Cni;
using Weft.Api.Cni;
using Weft.Core.Addressing;
using Weft.Core.Model;

namespace Weft.Agent.Tests;

/// <summary>The pure parts of the CNI front end: CNI_ARGS, the plugin's config, and each version's result shape.</summary>
public sealed class CniUnitTests
{
    [Fact]
    public void Cni_args_take_podman_s_ip_mac_and_name_and_refuse_unknown_keys_unless_told_to_ignore_them()
    {
        var args = CniArgs.Parse("IgnoreUnknown=1;K8S_POD_NAME=web;MAC=02:42:0a:00:00:07;IP=10.99.2.77;FOO=bar");
        Assert.Equal(IPAddress.Parse("10.99.2.77"), args.Ip);
        Assert.Equal(MacAddress.Parse("02:42:0a:00:00:07"), args.Mac);
        Assert.Equal("web", args.Name);
        Assert.Equal(CniArgs.None, CniArgs.Parse(""));
        Assert.Equal(CniArgs.None, CniArgs.Parse(null));
        Assert.Equal(IPAddress.Parse("10.0.0.5"), CniArgs.Parse("IP=10.0.0.5/24").Ip);
        Assert.Null(CniArgs.Parse("K8S_POD_NAMESPACE=ns;K8S_POD_UID=1").Name);
        Assert.Contains("FOO=bar", Refused(() => CniArgs.Parse("FOO=bar")).Message, StringComparison.Ordinal);
        Assert.Equal(CniErrorCodes.InvalidEnvironment, Refused(() => CniArgs.Parse("IP=fe80::1")).Code);
        Assert.Equal(CniErrorCodes.InvalidEnvironment, Refused(() => CniArgs.Parse("MAC=01:00:5e:00:00:01")).Code); // multicast
        Assert.Equal(CniErrorCodes.InvalidEnvironment, Refused(() => CniArgs.Parse("novalue")).Code);
    }

    [Fact]
    public void The_config_takes_the_standard_keys_network_and_socket_and_refuses_anything_else_by_name()
    {
        var conf = CniNetConf.Parse("""
            {"cniVersion":"1.0.0","name":"test-net","type":"weft","capabilities":{"aliases":true},"args":{},"prevResult":{},
             "runtimeConfig":{"aliases":{"test-net":["www","1a2b3c"],"other":["x"]}},"socket":"/run/weft/weft.sock"}
            """);
        Assert.Equal(("1.0.0", "test-net", "test-net"), (conf.CniVersion, conf.Name, conf.Network));
        Assert.Equal(["www", "1a2b3c"], conf.Aliases);
        Assert.Null(conf.ValidAttachments);
        Assert.Equal("weft-net", CniNetConf.Parse("""{"cniVersion":"0.4.0","name":"n","type":"weft","network":"weft-net"}""").Network);

        var unknown = Refused(() => CniNetConf.Parse("""{"cniVersion":"1.0.0","name":"n","type":"weft","bridge":"cni0"}"""));
        Assert.Equal(CniErrorCodes.UnsupportedField, unknown.Code);
        Assert.Contains("\"bridge\": \"cni0\"", unknown.Message, StringComparison.Ordinal); // the spec: key and value
        Assert.Equal(CniErrorCodes.UnsupportedField, Refused(() => CniNetConf.Parse("""{"cniVersion":"1.0.0","name":"n","ipam":{}}""")).Code);
        var portMappings = Refused(() => CniNetConf.Parse("""{"cniVersion":"1.0.0","name":"n","runtimeConfig":{"portMappings":[]}}"""));
        Assert.Contains("portmap", portMappings.Details, StringComparison.Ordinal);
        Assert.Equal(CniErrorCodes.IncompatibleVersion, Refused(() => CniNetConf.Parse("""{"cniVersion":"0.3.1","name":"n"}""")).Code);
        Assert.Equal(CniErrorCodes.InvalidConfig, Refused(() => CniNetConf.Parse("""{"cniVersion":"1.0.0"}""")).Code);
        Assert.Equal(CniErrorCodes.InvalidConfig, Refused(() => CniNetConf.Parse("""{"cniVersion":1,"name":"n"}""")).Code);
        Assert.Equal(CniErrorCodes.DecodingFailure, Refused(() => CniNetConf.Parse("{")).Code);
        Assert.Equal(CniErrorCodes.DecodingFailure, Refused(() => CniNetConf.Parse("[]")).Code);
    }

    [Fact]
    public void Gc_reads_either_name_of_the_valid_attachments()
    {
        var gc = CniNetConf.Parse("""{"cniVersion":"1.1.0","name":"n","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}],"cni.dev/attachments":[{"containerID":"a","ifname":"eth0"}]}""");
        Assert.Equal([new CniAttachment("a", "eth0")], gc.ValidAttachments);
        Assert.Equal([new CniAttachment("b", "eth1")], CniNetConf.Parse("""{"cniVersion":"1.1.0","name":"n","cni.dev/attachments":[{"containerID":"b","ifname":"eth1"}]}""").ValidAttachments);
        Assert.Equal(CniErrorCodes.InvalidConfig, Refused(() => CniNetConf.Parse("""{"cniVersion":"1.1.0","name":"n","cni.dev/valid-attachments":[{"ifname":"eth0"}]}""")).Code);
    }

    [Theory]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Each_version_has_its_result_shape(string version)
    {
        var network = new NetworkRecord
        {
            Id = "n1", Name = "Test-Net", Driver = NetworkDriver.Overlay, Scope = NetworkScope.Global, CreatedAt = DateTimeOffset.UnixEpoch,
            Subnets = [new SubnetConfig { Subnet = IpNetwork.Parse("10.0.10.0/24"), Gateway = IPAddress.Parse("10.0.10.1") }],
        };
        var endpoint = new EndpointRecord
        {
            Id = "e1", NetworkId = "n1", NetworkName = "Test-Net", SandboxId = "s1", HostId = "h1", Address = IPAddress.Parse("10.0.10.5"),
            Mac = MacAddress.Parse("02:42:0a:00:0a:05"), InterfaceName = "eth0", CreatedAt = DateTimeOffset.UnixEpoch,
        };
        var result = CniResults.Build(version, endpoint, network, "/run/netns/c", 1450, defaultRoute: true, IPAddress.Parse("10.0.10.1"),
            "search corp.example\noptions ndots:2 edns0\nnameserver 1.1.1.1\n");
        var json = CniJson.Serialize(result);
        Assert.StartsWith($$"""{"cniVersion":"{{version}}","interfaces":[{"name":"eth0","mac":"02:42:0a:00:0a:05","sandbox":"/run/netns/c"{{(version == "1.1.0" ? ",\"mtu\":1450" : "")}}}]""", json, StringComparison.Ordinal);
        Assert.Contains($$"""
            "ips":[{"address":"10.0.10.5/24","gateway":"10.0.10.1","interface":0{{(version == "0.4.0" ? ",\"version\":\"4\"" : "")}}}]
            """, json, StringComparison.Ordinal);
        Assert.Contains("\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.10.1\"}]", json, StringComparison.Ordinal);
        Assert.EndsWith("\"dns\":{\"nameservers\":[\"10.0.10.1\"],\"search\":[\"test-net\",\"corp.example\"],\"options\":[\"ndots:2\",\"edns0\"]}}", json, StringComparison.Ordinal);

        // An internal network, or a second interface, carries no default route.
        Assert.Empty(CniResults.Build(version, endpoint, network with { Internal = true }, "/x", 1450, true, null, "").Routes);
        Assert.Empty(CniResults.Build(version, endpoint, network, "/x", 1450, false, null, "").Routes);
    }

    [Fact]
    public void Errors_map_to_the_spec_codes()
    {
        Assert.Equal(CniErrorCodes.TryAgainLater, CniErrors.From(new Store.StoreUnavailableException("x", "down"), "1.0.0").Code);
        Assert.Equal(CniErrorCodes.InvalidConfig, CniErrors.From(Core.Errors.WeftErrors.NetworkNotFound("n"), "1.0.0").Code);
        var taken = CniErrors.From(new Core.Errors.WeftValidationException(Core.Errors.ErrorCodes.IpTaken, "10.0.0.5 is taken"), "0.4.0");
        Assert.Equal((CniErrorCodes.Refused, "0.4.0", Core.Errors.ErrorCodes.IpTaken), (taken.Code, taken.CniVersion, taken.Details));
        Assert.Equal("""{"cniVersion":"1.0.0","code":2,"msg":"unsupported field \"x\": 1"}""", CniJson.Serialize(new CniError("1.0.0", 2, "unsupported field \"x\": 1")));
    }

    private static CniException Refused(Action action) => Assert.Throws<CniException>(action);
}
