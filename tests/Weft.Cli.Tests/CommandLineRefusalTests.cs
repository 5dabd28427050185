using System.Text.Json;
using Weft.Api;
using Weft.Cli.Commands.Sandbox;
using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>
/// What the CLI refuses, and that the refusal names the flag: an option a command does not know is never taken as
/// the COMMAND to run, nor sent to the agent (issue 19). Docker's spellings with Docker's meanings are accepted.
/// </summary>
public class CommandLineRefusalTests
{
    [Theory]
    [InlineData("--frob", "run", "-d", "--name", "a", "--frob", "web", "--net", "n", "--", "sleep", "1")]
    [InlineData("--frob", "run", "-d", "--name", "a", "--frob", "sleep", "1")]
    [InlineData("-Z", "run", "-Z", "--name", "a", "sleep", "1")]
    [InlineData("-dZ", "run", "-dZ", "--name", "a", "sleep", "1")]
    [InlineData("---name", "run", "---name", "a", "sleep", "1")]
    [InlineData("--frob", "exec", "--frob", "web1", "ls")]
    [InlineData("--frob", "exec", "web1", "--frob", "ls")]
    [InlineData("--frob", "lab", "exec", "--name", "l", "host1", "--frob", "--", "ls")]
    [InlineData("--frob", "network", "rm", "--frob", "n1")]
    [InlineData("--frob", "network", "inspect", "n1", "--frob")]
    [InlineData("--frob", "rm", "--frob", "web1")]
    [InlineData("--frob", "ps", "--frob")]
    [InlineData("--frob", "logs", "--frob", "web1")]
    [InlineData("--detach", "run", "--detach=maybe", "--name", "a", "sleep", "1")]
    public async Task An_unknown_or_malformed_option_is_refused_by_name_and_nothing_is_sent(string named, params string[] args)
    {
        await using var agent = await FakeAgent.StartAsync();
        var runner = new FakeProcessRunner();

        var run = await InProcessCli.RunAsync(runner, ["--socket", agent.SocketPath, .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Empty(agent.Received);
        Assert.Empty(runner.Runs);
    }

    [Theory]
    [InlineData("-i/--interactive", "run", "-d", "-i", "--name", "a", "sh")]
    [InlineData("-i/--interactive", "run", "-dit", "--name", "a", "sh")]
    [InlineData("-t/--tty", "run", "-d", "-t", "--name", "a", "sh")]
    [InlineData("--filter 'colour=red': unknown key 'colour'", "ps", "--filter", "colour=red")]
    [InlineData("--filter 'name' is not KEY=VALUE", "network", "ls", "--filter", "name")]
    [InlineData("--tail must be 0 or more", "logs", "--tail", "-3", "web1")]
    public async Task Options_that_do_not_fit_are_refused_by_name_before_the_agent_is_asked(string message, params string[] args)
    {
        await using var agent = await FakeAgent.StartAsync();

        var run = await InProcessCli.RunAsync(["--socket", agent.SocketPath, .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("weft: " + message, run.Stderr, StringComparison.Ordinal);
        Assert.Empty(agent.Received);
    }

    [Fact]
    public void Docker_spellings_mean_what_they_mean_in_docker()
    {
        var (result, command) = InProcessCli.Parse<RunCommand>(
            "run", "-it", "--name", "a", "--network", "n", "--network-alias", "web", "--hostname", "box", "sh");

        var request = command.ToRequest(result);
        var network = Assert.Single(request.Networks);
        Assert.Equal(("n", null), (network.Network, network.Ip));
        Assert.Equal(["web"], network.Aliases!);
        Assert.Equal("box", request.Hostname);
        Assert.Equal(["sh"], result.GetRequiredValue<string[]>("COMMAND"));
    }

    [Fact]
    public void Exec_takes_dockers_it()
    {
        var (result, _) = InProcessCli.Parse<ExecCommand>("exec", "-it", "web1", "sh");

        Assert.Equal("web1", result.GetRequiredValue<string>("SANDBOX"));
        Assert.Equal(["sh"], result.GetRequiredValue<string[]>("COMMAND"));
    }

    [Fact]
    public void After_a_double_dash_even_an_option_like_word_is_the_command()
    {
        var (result, _) = InProcessCli.Parse<RunCommand>("run", "-d", "--name", "a", "--", "--frob", "-x");

        Assert.Equal(["--frob", "-x"], result.GetRequiredValue<string[]>("COMMAND"));
    }

    [Fact]
    public void Without_a_name_run_generates_a_dns_label()
    {
        var (result, command) = InProcessCli.Parse<RunCommand>("run", "-d", "sleep", "1");

        var names = Enumerable.Range(0, 50).Select(_ => command.ToRequest(result).Name).ToList();
        Assert.All(names, n => Assert.Matches("^[a-z]+-[a-z]+$", n));
        Assert.True(names.Distinct().Count() > 1, "generated names should vary");
    }

    [Fact]
    public async Task A_generated_name_that_is_taken_is_replaced_but_a_chosen_one_is_not()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.AnswerError("POST /v1/sandboxes", 409, "duplicate", "sandbox name taken");

        var generated = await InProcessCli.RunAsync("--socket", agent.SocketPath, "run", "-d", "sleep", "1");
        var attempts = agent.Received.Count;
        var chosen = await InProcessCli.RunAsync("--socket", agent.SocketPath, "run", "-d", "--name", "mine", "sleep", "1");

        Assert.Equal((1, "weft: sandbox name taken\n"), (generated.ExitCode, generated.Stderr));
        Assert.Equal(8, attempts);
        Assert.Equal(1, chosen.ExitCode);
        Assert.Equal(attempts + 1, agent.Received.Count);
    }

    [Fact]
    public async Task Under_format_json_an_error_is_the_api_error_shape_on_one_line()
    {
        using var directory = new TempDirectory();

        var usage = await InProcessCli.RunAsync("--format", "json", "run", "--frob", "x");
        var absent = await InProcessCli.RunAsync("--socket", directory.File("none.sock"), "network", "ls", "--format", "json");

        Assert.Equal((2, ""), (usage.ExitCode, usage.Stdout));
        var line = Assert.Single(usage.Stderr.TrimEnd('\n').Split('\n'));
        var error = JsonSerializer.Deserialize(line, ApiJsonContext.Default.ApiErrorBody)!.Error;
        Assert.Equal("usage", error.Code);
        Assert.StartsWith("unknown option '--frob'", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, absent.ExitCode);
        Assert.Equal("agent-unavailable", JsonSerializer.Deserialize(absent.Stderr, ApiJsonContext.Default.ApiErrorBody)!.Error.Code);
    }
}
