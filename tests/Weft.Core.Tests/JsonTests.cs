using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Weft.Core.Addressing;
using Weft.Core.Model;

namespace Weft.Core.Tests;

public class JsonTests
{
    private static readonly WeftJsonContext Json = WeftJsonContext.Default;

    [Fact]
    public void Network_records_use_camel_case_lowercase_enums_and_text_addresses()
    {
        var network = TestRecords.Overlay("frontend", "10.10.0.0/24") with
        {
            Id = "n1",
            Subnets = [new SubnetConfig { Subnet = T.Net("10.10.0.0/24"), Gateway = T.Ip("10.10.0.1"), IPRange = T.Net("10.10.0.128/25") }],
            Labels = new Dictionary<string, string> { ["com.example.Team"] = "Blue" },
            Options = new Dictionary<string, string> { ["MTU-hint"] = "x" },
        };

        var node = JsonNode.Parse(JsonSerializer.Serialize(network, Json.NetworkRecord))!.AsObject();

        Assert.Equal("n1", (string?)node["id"]);
        Assert.Equal("overlay", (string?)node["driver"]);
        Assert.Equal("global", (string?)node["scope"]);
        Assert.Equal(256, (int?)node["vni"]);
        Assert.False(node.ContainsKey("mtu")); // null: left out
        Assert.False((bool?)node["internal"]);
        var subnet = node["subnets"]![0]!.AsObject();
        Assert.Equal("10.10.0.0/24", (string?)subnet["subnet"]);
        Assert.Equal("10.10.0.1", (string?)subnet["gateway"]);
        Assert.Equal("10.10.0.128/25", (string?)subnet["ipRange"]);
        Assert.Equal("Blue", (string?)node["labels"]!["com.example.Team"]); // keys kept as given
        Assert.Equal("x", (string?)node["options"]!["MTU-hint"]);
        Assert.Equal("2025-03-01T12:00:00+00:00", (string?)node["createdAt"]);
    }

    [Fact]
    public void Every_record_round_trips()
    {
        var network = TestRecords.Overlay("frontend", "fd00:1::/64");
        var back = RoundTrip(network, Json.NetworkRecord);
        Assert.Equal(network with { Subnets = back.Subnets, Labels = back.Labels, Options = back.Options }, back);
        Assert.Equal(network.Subnets, back.Subnets);

        var endpoint = TestRecords.Endpoint(network, "fd00:1::2");
        var endpointBack = RoundTrip(endpoint, Json.EndpointRecord);
        Assert.Equal(endpoint.Aliases, endpointBack.Aliases);
        Assert.Equal(endpoint with { Aliases = endpointBack.Aliases }, endpointBack);

        var host = TestRecords.Host();
        Assert.Equal(host, RoundTrip(host, Json.HostRecord));

        var allocation = AllocationRecord.ForEndpoint(endpoint, TestRecords.Now);
        Assert.Equal(allocation, RoundTrip(allocation, Json.AllocationRecord));
    }

    [Fact]
    public void Endpoint_json_shows_mac_and_address_as_text()
    {
        var endpoint = TestRecords.Endpoint(TestRecords.Overlay("n", "10.0.0.0/24"), "10.0.0.2") with { Mac = MacAddress.Parse("02:57:00:00:00:01") };
        var node = JsonNode.Parse(JsonSerializer.Serialize(endpoint, Json.EndpointRecord))!.AsObject();
        Assert.Equal("02:57:00:00:00:01", (string?)node["mac"]);
        Assert.Equal("10.0.0.2", (string?)node["address"]);
        Assert.Equal("eth0", (string?)node["interfaceName"]);
    }

    [Fact]
    public void Allocation_owner_kinds_are_lowercase()
    {
        var json = JsonSerializer.Serialize(AllocationRecord.ForGateway("n1", TestRecords.Now), Json.AllocationRecord);
        Assert.Contains("\"ownerKind\":\"gateway\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("hostId", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"subnet":"10.0.0.5/24"}""", "did you mean 10.0.0.0/24")]
    [InlineData("""{"subnet":"10.0.0.0/24","gateway":"10.1"}""", "'10.1'")]
    [InlineData("""{"gateway":"10.0.0.1"}""", "subnet")]
    public void Bad_subnet_json_is_refused_with_the_reason(string json, string mention)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, Json.SubnetConfig));
        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_properties_are_skipped_so_older_agents_read_newer_records()
    {
        const string json = """{"id":"h","name":"node-1","underlayAddress":"198.18.0.1","incarnation":1,"agentVersion":"9.9","startedAt":"2025-03-01T12:00:00+00:00","futureField":{"x":1}}""";
        Assert.Equal("node-1", JsonSerializer.Deserialize(json, Json.HostRecord)!.Name);
    }

    [Fact]
    public void Null_for_a_non_nullable_property_is_refused()
    {
        const string json = """{"id":null,"name":"node-1","underlayAddress":"198.18.0.1","incarnation":1,"agentVersion":"9.9","startedAt":"2025-03-01T12:00:00+00:00"}""";
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, Json.HostRecord));
    }

    [Fact]
    public void Value_types_serialize_as_text_even_without_the_context()
    {
        Assert.Equal("\"10.0.0.0/8\"", JsonSerializer.Serialize(T.Net("10.0.0.0/8")));
        Assert.Equal("\"02:57:00:00:00:01\"", JsonSerializer.Serialize(MacAddress.Parse("02:57:00:00:00:01")));
        Assert.Equal("""["10.0.0.1","fd00::1"]""", JsonSerializer.Serialize<IReadOnlyList<IPAddress>>([T.Ip("10.0.0.1"), T.Ip("fd00::1")], Json.IReadOnlyListIPAddress));
    }

    private static TRecord RoundTrip<TRecord>(TRecord record, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TRecord> info) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(record, info), info)!;
}
