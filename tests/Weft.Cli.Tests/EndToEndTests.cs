using System.Text.Json;
using Weft.Api;
using Weft.Cli.Execution;
using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>
/// The CLI's entry point, in this process, against a stand-in agent on a real unix socket: what it sends, what
/// it prints on stdout and stderr, and the exit code.
/// </summary>
public class EndToEndTests
{
    [Fact]
    public async Task Network_ls_prints_the_table()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("GET /v1/networks", Samples.Networks, ApiJsonContext.Default.NetworkSummaryArray);

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "network", "ls");

        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("NETWORK ID     NAME       DRIVER", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("4f1c2a9e7b3d   test-net   overlay   global   10.0.10.0/24", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Network_create_posts_the_request_and_prints_the_new_id()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("POST /v1/networks", Samples.TestNet, ApiJsonContext.Default.NetworkDetail, status: 201);

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "network", "create", "-d", "overlay", "--subnet", "10.0.10.0/24", "test-net");

        Assert.Equal((0, $"{Samples.NetworkId}\n", ""), (run.ExitCode, run.Stdout, run.Stderr));
        var sent = JsonSerializer.Deserialize(agent.BodyOf("POST /v1/networks"), ApiJsonContext.Default.CreateNetworkRequest)!;
        Assert.Equal(("test-net", "overlay"), (sent.Name, sent.Driver));
        Assert.Equal([new SubnetSpec("10.0.10.0/24")], sent.Subnets);
    }

    [Fact]
    public async Task Json_format_prints_exactly_the_api_shape()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("GET /v1/networks/test-net", Samples.TestNet, ApiJsonContext.Default.NetworkDetail);

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "--format", "json", "network", "inspect", "test-net");

        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Equal(Samples.Json(Samples.TestNet, ApiJsonContext.Default.NetworkDetail) + "\n", run.Stdout);
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.Equal(256, document.RootElement.GetProperty("vni").GetInt32());
        Assert.Equal("node2", document.RootElement.GetProperty("endpoints")[1].GetProperty("host").GetString());
    }

    [Fact]
    public async Task An_agent_error_is_one_line_on_stderr_and_exit_code_1()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.AnswerError("POST /v1/networks/test-net/connect", 409, "ip-taken", "10.0.10.5 is already in use on test-net");

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "network", "connect", "--ip", "10.0.10.5", "test-net", "web1");

        Assert.Equal((1, "", "weft: 10.0.10.5 is already in use on test-net\n"), (run.ExitCode, run.Stdout, run.Stderr));
        Assert.Equal(
            Samples.Json(new ConnectRequest("web1", "10.0.10.5"), ApiJsonContext.Default.ConnectRequest),
            agent.BodyOf("POST /v1/networks/test-net/connect"));
    }

    [Fact]
    public async Task An_answer_that_is_not_the_error_shape_is_reported_by_its_status()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.AnswerRaw("GET /v1/status", 500, "<html>oops</html>");

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "status");

        Assert.Equal((1, "", "weft: GET /v1/status: 500 Internal Server Error\n"), (run.ExitCode, run.Stdout, run.Stderr));
    }

    [Fact]
    public async Task Without_an_agent_it_says_how_to_start_one_and_exits_1()
    {
        using var directory = new TempDirectory();
        var socket = directory.File("missing.sock");

        var run = await InProcessCli.RunAsync("--socket", socket, "network", "ls");

        Assert.Equal((1, ""), (run.ExitCode, run.Stdout));
        Assert.Equal(
            $"weft: the weft agent is not running (no answer on {socket}); start it with `weft agent --store URL` or `systemctl start weft`\n",
            run.Stderr);
    }

    [Fact]
    public async Task A_usage_error_exits_2_in_one_line_and_sends_nothing()
    {
        await using var agent = await FakeAgent.StartAsync();

        var missingName = await InProcessCli.RunAsync("--socket", agent.SocketPath, "network", "create", "--subnet", "10.0.10.0/24");
        var unknownOption = await InProcessCli.RunAsync("--socket", agent.SocketPath, "ps", "--frob");
        var conflicting = await InProcessCli.RunAsync("--socket", agent.SocketPath, "network", "create", "--gateway", "10.0.0.1", "n1");
        var badDriver = await InProcessCli.RunAsync("--socket", agent.SocketPath, "network", "create", "-d", "macvlan", "n1");

        Assert.Equal((2, "", "weft: Required argument 'NAME' missing for command: 'create'. (see 'weft network create --help')\n"),
            (missingName.ExitCode, missingName.Stdout, missingName.Stderr));
        Assert.Equal((2, "weft: unknown command or option '--frob' (see 'weft ps --help')\n"), (unknownOption.ExitCode, unknownOption.Stderr));
        Assert.Equal(2, conflicting.ExitCode);
        Assert.StartsWith("weft: --gateway needs --subnet", conflicting.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badDriver.ExitCode);
        Assert.Single(badDriver.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("macvlan", badDriver.Stderr, StringComparison.Ordinal);
        Assert.Empty(agent.Received);
    }

    [Fact]
    public async Task Help_describes_the_defaults_and_exits_0()
    {
        var root = await InProcessCli.RunAsync("--help");
        var create = await InProcessCli.RunAsync("network", "create", "--help");

        Assert.Equal((0, ""), (root.ExitCode, root.Stderr));
        Assert.Contains("network", root.Stdout, StringComparison.Ordinal);
        Assert.Contains("exec <SANDBOX> <COMMAND>", root.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, create.ExitCode);
        Assert.Contains("[default: overlay]", create.Stdout, StringComparison.Ordinal);
        Assert.Contains("underlay MTU − 50", create.Stdout, StringComparison.Ordinal);
        Assert.Contains("automatic", create.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_is_answered_without_the_command_tree_and_lines_without_a_command_still_need_one()
    {
        // --version is parsed against the root alone (start-up cost); the lines around it must read as before.
        var version = await InProcessCli.RunAsync("--version");
        var jsonVersion = await InProcessCli.RunAsync("--format", "json", "--version");
        var bare = await InProcessCli.RunAsync();
        var formatOnly = await InProcessCli.RunAsync("--format", "json");

        Assert.Equal((0, ""), (version.ExitCode, version.Stderr));
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", version.Stdout);
        Assert.Equal((0, version.Stdout), (jsonVersion.ExitCode, jsonVersion.Stdout));
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("Required command was not provided", bare.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, formatOnly.ExitCode);
        Assert.Contains("\"code\":\"usage\"", formatOnly.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_all_hosts_asks_for_every_host()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("GET /v1/sandboxes?all=true", [Samples.Web1], ApiJsonContext.Default.SandboxDetailArray);

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "ps", "--all-hosts");

        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Contains("web1   node1   running   4242   test-net=10.0.10.2, back-net=10.1.0.5   -       sleep infinity", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rm_goes_on_past_a_failure_and_exits_1()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.AnswerEmpty("DELETE /v1/sandboxes/web1?force=true");
        agent.AnswerError("DELETE /v1/sandboxes/ghost?force=true", 404, "not-found", "sandbox 'ghost' does not exist");
        agent.AnswerEmpty("DELETE /v1/sandboxes/web2?force=true");

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "rm", "-f", "web1", "ghost", "web2");

        Assert.Equal((1, "web1\nweb2\n", "weft: sandbox 'ghost' does not exist\n"), (run.ExitCode, run.Stdout, run.Stderr));
    }

    [Fact]
    public async Task Network_rm_reports_an_absent_agent_once_for_all_names()
    {
        using var directory = new TempDirectory();

        var run = await InProcessCli.RunAsync("--socket", directory.File("none.sock"), "network", "rm", "a", "b", "c");

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Run_detached_sends_the_command_and_prints_the_sandbox_id()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("POST /v1/sandboxes", Samples.Web1, ApiJsonContext.Default.SandboxDetail, status: 201);
        var runner = new FakeProcessRunner();

        var run = await InProcessCli.RunAsync(runner, "--socket", agent.SocketPath, "run", "-d", "--name", "web1", "--net", "test-net", "sleep", "infinity");

        Assert.Equal((0, $"{Samples.SandboxId}\n", ""), (run.ExitCode, run.Stdout, run.Stderr));
        var sent = JsonSerializer.Deserialize(agent.BodyOf("POST /v1/sandboxes"), ApiJsonContext.Default.CreateSandboxRequest)!;
        Assert.Equal(["sleep", "infinity"], sent.Command);
        Assert.Empty(runner.Runs);
    }

    [Fact]
    public async Task Run_in_the_foreground_runs_the_command_itself_passes_its_exit_code_and_removes_with_rm()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("POST /v1/sandboxes", Samples.Web1, ApiJsonContext.Default.SandboxDetail, status: 201);
        agent.AnswerEmpty("DELETE /v1/sandboxes/web1?force=true");
        var runner = new FakeProcessRunner(exitCode: 3);

        var run = await InProcessCli.RunAsync(runner, "--socket", agent.SocketPath, "run", "--rm", "--name", "web1", "--net", "test-net", "-e", "A=1", "--", "sh", "-c", "exit 3");

        Assert.Equal((3, "", ""), (run.ExitCode, run.Stdout, run.Stderr));
        var sent = JsonSerializer.Deserialize(agent.BodyOf("POST /v1/sandboxes"), ApiJsonContext.Default.CreateSandboxRequest)!;
        Assert.Empty(sent.Command);
        var (sandbox, command, environment) = Assert.Single(runner.Runs);
        Assert.Equal(Samples.Web1.NetworkNamespace, sandbox.NetworkNamespace);
        Assert.Equal(["sh", "-c", "exit 3"], command);
        Assert.Equal("1", environment["A"]);
        Assert.Equal(["POST /v1/sandboxes", "DELETE /v1/sandboxes/web1?force=true"], agent.Received.Select(r => $"{r.Method} {r.PathAndQuery}"));
    }

    [Fact]
    public async Task Run_removes_the_sandbox_even_when_the_command_cannot_start()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("POST /v1/sandboxes", Samples.Web1, ApiJsonContext.Default.SandboxDetail, status: 201);
        agent.AnswerEmpty("DELETE /v1/sandboxes/web1?force=true");
        var runner = new FakeProcessRunner(failure: new CommandNotStartedException(127, "nosuch: command not found"));

        var run = await InProcessCli.RunAsync(runner, "--socket", agent.SocketPath, "run", "--rm", "--name", "web1", "nosuch");

        Assert.Equal((127, "weft: nosuch: command not found\n"), (run.ExitCode, run.Stderr));
        Assert.Contains(agent.Received, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task Run_without_rm_keeps_the_sandbox()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("POST /v1/sandboxes", Samples.Web1, ApiJsonContext.Default.SandboxDetail, status: 201);

        var run = await InProcessCli.RunAsync(new FakeProcessRunner(exitCode: 0), "--socket", agent.SocketPath, "run", "--name", "web1", "true");

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(agent.Received, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task Exec_enters_the_sandbox_the_agent_names_and_passes_the_exit_code_through()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("GET /v1/sandboxes/web1", Samples.Web1, ApiJsonContext.Default.SandboxDetail);
        var runner = new FakeProcessRunner(exitCode: 42);

        var run = await InProcessCli.RunAsync(runner, "--socket", agent.SocketPath, "exec", "web1", "ip", "-br", "addr");

        Assert.Equal((42, "", ""), (run.ExitCode, run.Stdout, run.Stderr));
        var (sandbox, command, _) = Assert.Single(runner.Runs);
        Assert.Equal("/run/netns/weftsb-node1_web1", sandbox.NetworkNamespace);
        Assert.Equal(["ip", "-br", "addr"], command);
    }

    [Fact]
    public async Task Exec_in_an_unknown_sandbox_fails_before_running_anything()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.AnswerError("GET /v1/sandboxes/ghost", 404, "not-found", "sandbox 'ghost' does not exist");
        var runner = new FakeProcessRunner();

        var run = await InProcessCli.RunAsync(runner, "--socket", agent.SocketPath, "exec", "ghost", "true");

        Assert.Equal((1, "weft: sandbox 'ghost' does not exist\n"), (run.ExitCode, run.Stderr));
        Assert.Empty(runner.Runs);
    }

    [Fact]
    public async Task Status_prints_the_agent_and_store_health()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("GET /v1/status", Samples.Status, ApiJsonContext.Default.AgentStatus);

        var run = await InProcessCli.RunAsync("status", "--socket", agent.SocketPath);

        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Contains("Host:             node1\n", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Store reachable:  yes\n", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_tells_which_interface_and_address_the_sandbox_got()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("POST /v1/networks/back-net/connect", Samples.Web1, ApiJsonContext.Default.SandboxDetail);

        var run = await InProcessCli.RunAsync("--socket", agent.SocketPath, "network", "connect", "back-net", "web1");

        Assert.Equal((0, "web1: eth1 10.1.0.5 on back-net\n", ""), (run.ExitCode, run.Stdout, run.Stderr));
    }
}
