using Weft.Api;
using Weft.Cli.Commands.Network;
using Weft.Cli.Commands.Sandbox;
using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>A command line, parsed by the real command tree, becomes exactly this API request (compared as the JSON sent).</summary>
public class RequestBuildingTests
{
    private static string Json(CreateNetworkRequest r) => Samples.Json(r, ApiJsonContext.Default.CreateNetworkRequest);
    private static string Json(CreateSandboxRequest r) => Samples.Json(r, ApiJsonContext.Default.CreateSandboxRequest);
    private static string Json(ConnectRequest r) => Samples.Json(r, ApiJsonContext.Default.ConnectRequest);

    [Fact]
    public void Network_create_with_driver_and_subnet()
    {
        var (result, command) = InProcessCli.Parse<NetworkCreateCommand>("network", "create", "-d", "overlay", "--subnet", "10.0.10.0/24", "test-net");

        var expected = new CreateNetworkRequest { Name = "test-net", Driver = "overlay", Subnets = [new SubnetSpec("10.0.10.0/24")] };
        Assert.Equal(Json(expected), Json(command.ToRequest(result)));
    }

    [Fact]
    public void Network_create_leaves_every_choice_to_the_agent_by_default()
    {
        var (result, command) = InProcessCli.Parse<NetworkCreateCommand>("network", "create", "n1");

        var request = command.ToRequest(result);
        Assert.Equal("overlay", request.Driver);
        Assert.Empty(request.Subnets);
        Assert.Null(request.Vni);
        Assert.Null(request.Mtu);
        Assert.False(request.Internal);
        Assert.Empty(request.Options);
        Assert.Empty(request.Labels);
    }

    [Fact]
    public void Network_create_with_every_option()
    {
        var (result, command) = InProcessCli.Parse<NetworkCreateCommand>(
            "network", "create", "--driver", "bridge", "--subnet", "10.0.10.0/24", "--gateway", "10.0.10.254", "--ip-range", "10.0.10.128/25",
            "--vni", "4096", "--mtu", "8950", "--internal", "-o", "a=1", "--opt", "b=x=y", "--label", "team=blue", "--label", "edge", "n1");

        var expected = new CreateNetworkRequest
        {
            Name = "n1",
            Driver = "bridge",
            Subnets = [new SubnetSpec("10.0.10.0/24", "10.0.10.254", "10.0.10.128/25")],
            Vni = 4096,
            Mtu = 8950,
            Internal = true,
            Options = new Dictionary<string, string> { ["a"] = "1", ["b"] = "x=y" },
            Labels = new Dictionary<string, string> { ["team"] = "blue", ["edge"] = "" },
        };
        Assert.Equal(Json(expected), Json(command.ToRequest(result)));
    }

    [Fact]
    public void Network_create_pairs_gateways_and_ranges_with_the_subnet_that_contains_them()
    {
        var (result, command) = InProcessCli.Parse<NetworkCreateCommand>(
            "network", "create", "--subnet", "10.0.10.0/24", "--subnet", "fd00:10::/64",
            "--gateway", "fd00:10::1", "--gateway", "10.0.10.1", "--ip-range", "10.0.10.0/25", "n1");

        Assert.Equal(
            [new SubnetSpec("10.0.10.0/24", "10.0.10.1", "10.0.10.0/25"), new SubnetSpec("fd00:10::/64", "fd00:10::1")],
            command.ToRequest(result).Subnets);
    }

    [Theory]
    [InlineData("--gateway needs --subnet", "--gateway", "10.0.0.1")]
    [InlineData("--ip-range needs --subnet", "--ip-range", "10.0.0.0/25")]
    [InlineData("--opt 'novalue' is not key=value", "--opt", "novalue")]
    [InlineData("--label '=x' is not key=value", "--label", "=x")]
    public void Network_create_refuses_options_that_do_not_fit_together(string message, string option, string value)
    {
        var (result, command) = InProcessCli.Parse<NetworkCreateCommand>("network", "create", option, value, "n1");

        var error = Assert.Throws<UsageException>(() => command.ToRequest(result));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Network_create_refuses_a_gateway_outside_every_subnet()
    {
        var (result, command) = InProcessCli.Parse<NetworkCreateCommand>(
            "network", "create", "--subnet", "10.0.10.0/24", "--subnet", "10.0.11.0/24", "--gateway", "10.0.12.1", "n1");

        var error = Assert.Throws<UsageException>(() => command.ToRequest(result));
        Assert.Equal("--gateway '10.0.12.1' is in none of the subnets", error.Message);
    }

    [Fact]
    public void Run_detached_sends_the_command_and_puts_ip_and_aliases_on_the_first_network()
    {
        var (result, command) = InProcessCli.Parse<RunCommand>(
            "run", "-d", "--name", "web1", "--net", "front", "--network", "back", "--ip", "10.0.10.5", "--alias", "web", "--alias", "www",
            "--hostname", "w1", "--add-host", "db:10.0.10.9", "-e", "A=1", "-e", "B=", "--", "sleep", "infinity");

        var expected = new CreateSandboxRequest
        {
            Name = "web1",
            Hostname = "w1",
            Networks = [new SandboxNetworkSpec("front", "10.0.10.5", ["web", "www"]), new SandboxNetworkSpec("back")],
            ExtraHosts = ["db:10.0.10.9"],
            Command = ["sleep", "infinity"],
            Environment = new Dictionary<string, string> { ["A"] = "1", ["B"] = "" },
        };
        Assert.Equal(Json(expected), Json(command.ToRequest(result)));
    }

    [Fact]
    public void Run_in_the_foreground_asks_the_agent_for_no_process()
    {
        var (result, command) = InProcessCli.Parse<RunCommand>("run", "--rm", "--name", "t", "--net", "n1", "sh", "-c", "exit 3");

        var request = command.ToRequest(result);
        Assert.Empty(request.Command);
        Assert.Equal([new SandboxNetworkSpec("n1")], request.Networks);
    }

    [Fact]
    public void Run_gives_everything_after_the_command_to_the_command_even_without_a_double_dash()
    {
        var (result, _) = InProcessCli.Parse<RunCommand>("run", "--name", "t", "-d", "ip", "-br", "addr", "--help");

        Assert.Equal(["ip", "-br", "addr", "--help"], result.GetRequiredValue<string[]>("COMMAND"));
    }

    [Fact]
    public void Run_passes_a_bare_env_name_on_from_this_process_only_when_it_is_set()
    {
        var (result, command) = InProcessCli.Parse<RunCommand>("run", "-d", "--name", "t", "-e", "HOME", "-e", "UNSET_ONE", "true");

        var request = command.ToRequest(result, name => name == "HOME" ? "/root" : null);

        Assert.Equal(new Dictionary<string, string> { ["HOME"] = "/root" }, request.Environment);
    }

    [Theory]
    [InlineData("--rm works only in the foreground", "run", "-d", "--rm", "--name", "t", "true")]
    [InlineData("--ip applies to the first --net", "run", "--ip", "10.0.0.5", "--name", "t", "true")]
    [InlineData("--alias applies to the first --net", "run", "--alias", "a", "--name", "t", "true")]
    [InlineData("-e '=x' is not NAME=VALUE", "run", "-e", "=x", "--name", "t", "true")]
    public void Run_refuses_options_that_do_not_fit_together(string message, params string[] args)
    {
        var (result, command) = InProcessCli.Parse<RunCommand>(args);

        var error = Assert.Throws<UsageException>(() => command.ToRequest(result));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_sends_the_sandbox_address_and_aliases()
    {
        var (result, command) = InProcessCli.Parse<NetworkConnectCommand>("network", "connect", "--ip", "10.0.10.7", "--alias", "a1", "--alias", "a2", "test-net", "web1");

        Assert.Equal(Json(new ConnectRequest("web1", "10.0.10.7", ["a1", "a2"])), Json(command.ToRequest(result)));
    }

    [Fact]
    public void Connect_without_options_leaves_address_and_aliases_to_the_agent()
    {
        var (result, command) = InProcessCli.Parse<NetworkConnectCommand>("network", "connect", "test-net", "web1");

        Assert.Equal(Json(new ConnectRequest("web1")), Json(command.ToRequest(result)));
    }

    [Fact]
    public void Disconnect_names_the_sandbox()
    {
        var (result, command) = InProcessCli.Parse<NetworkDisconnectCommand>("network", "disconnect", "test-net", "web1");

        Assert.Equal(Json(new ConnectRequest("web1")), Json(command.ToRequest(result)));
    }

    [Theory]
    [InlineData("--format", "json", "network", "ls")]
    [InlineData("network", "--format", "json", "ls")]
    [InlineData("network", "ls", "--format", "json")]
    public void Global_options_are_accepted_anywhere_on_the_line(params string[] args)
    {
        var (result, _) = InProcessCli.Parse<NetworkListCommand>(args);

        Assert.Equal("json", result.GetValue<string>("--format"));
    }
}
