using System.Text.Json;
using Weft.Api;

namespace Weft.Cli.Tests;

/// <summary>The API's request shapes as any HTTP client sends them: fields left out take their documented defaults.</summary>
public sealed class ApiContractTests
{
    [Fact]
    public void A_network_request_with_only_a_name_is_a_default_overlay()
    {
        var request = JsonSerializer.Deserialize("""{"name":"test-net"}""", ApiJsonContext.Default.CreateNetworkRequest)!;

        Assert.Equal(("test-net", "overlay", 0, 0, 0), (request.Name, request.Driver, request.Subnets.Count, request.Options.Count, request.Labels.Count));
    }

    [Fact]
    public void A_sandbox_request_with_a_name_and_an_empty_command_has_no_networks_hosts_command_or_environment()
    {
        var request = JsonSerializer.Deserialize("""{"name":"shell","command":[]}""", ApiJsonContext.Default.CreateSandboxRequest)!;

        Assert.Equal(("shell", 0, 0, 0, 0), (request.Name, request.Networks.Count, request.ExtraHosts.Count, request.Command.Count, request.Environment.Count));
    }

    [Fact]
    public void A_sandbox_request_without_a_command_is_refused_by_the_field_name()
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"name":"shell"}""", ApiJsonContext.Default.CreateSandboxRequest));

        Assert.Contains("'command'", e.Message, StringComparison.Ordinal);
    }
}
