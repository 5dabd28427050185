using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Weft.Api;

namespace Weft.Cli.Tests.Support;

/// <summary>Canned API answers: two hosts, one overlay network with an endpoint on each, one bridge network.</summary>
internal static class Samples
{
    public const string NetworkId = "4f1c2a9e7b3d5a6c8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d";
    public const string SandboxId = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b";
    public const string HostId = "aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00ee11ff22aa33bb44cc55dd66";

    public static readonly DateTimeOffset Created = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public static NetworkSummary[] Networks =>
    [
        new(NetworkId, "test-net", "overlay", "global", [new SubnetSpec("10.0.10.0/24", "10.0.10.1")], 256, 2),
        new("0123456789abcdef0123", "local-br", "bridge", "local", [new SubnetSpec("172.30.0.0/16", "172.30.0.1")], null, 0),
    ];

    public static EndpointView Endpoint(string host, bool alive, string sandbox, string address, string interfaceName = "eth0", string network = "test-net") =>
        new($"ep-{sandbox}-{network}-0123456789", network, sandbox, sandbox, [$"{sandbox}-alias"], $"id-{host}", host, alive, address, "02:42:0a:00:0a:02", interfaceName);

    public static NetworkDetail TestNet => new(
        NetworkId, "test-net", "overlay", "global", [new SubnetSpec("10.0.10.0/24", "10.0.10.1")], 256, 1450, false,
        new Dictionary<string, string>(), new Dictionary<string, string> { ["team"] = "blue" }, Created,
        [Endpoint("node1", true, "web1", "10.0.10.2"), Endpoint("node2", false, "db1", "10.0.10.3")], Dns: "10.0.10.1");

    public static SandboxDetail Web1 => new(
        SandboxId, "web1", HostId, "node1", "web1", "/run/netns/weftsb-node1_web1", null, "/run/weft/sandboxes/web1/resolv.conf",
        "/run/weft/sandboxes/web1/hosts", 4242, "running", ["sleep", "infinity"], Created,
        [Endpoint("node1", true, "web1", "10.0.10.2"), Endpoint("node1", true, "web1", "10.1.0.5", "eth1", "back-net")]);

    public static AgentStatus Status => new(
        HostId, "node1", "198.18.0.1", 3, "0.1.0", "etcd://127.0.0.1:2379", true, null, 42, 2, ["test-net"], 1, Created);

    public static string Json<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}
