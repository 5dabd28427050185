using System.CommandLine;
using System.Text.Json;
using Weft.Api;
using Weft.Cli.Commands;
using Weft.Cli.Commands.Sandbox;
using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>
/// `--format json` for every command (issue 19): each command declares the JSON it prints or why it refuses the flag,
/// the refusals are a short documented list, and the commands that used to print text under it now print JSON.
/// </summary>
public class JsonFormatTests
{
    /// <summary>
    /// The only commands that refuse `--format json`, each with the reason README's "JSON output" table gives. A new
    /// command that refuses must be added here and there; one that prints JSON must say what.
    /// </summary>
    private static readonly Dictionary<string, string> Refusing = new(StringComparer.Ordinal)
    {
        ["lab shell"] = "an interactive shell needs this terminal",
        ["lab store hold-write-lock"] = "the process `lab store pause` starts",
    };

    private static IEnumerable<(string Path, Command Command)> Leaves(Command command, string path = "")
    {
        if (command.Subcommands.Count == 0)
        {
            yield return (path, command);
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var leaf in Leaves(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}"))
            {
                yield return leaf;
            }
        }
    }

    private static List<(string Path, WeftCommand Command)> CommandTree()
    {
        var context = new CliContext(new CliConsole(TextWriter.Null, TextWriter.Null), new FakeProcessRunner());
        var root = WeftCli.BuildRoot(context, Program.CommandGroups);
        var leaves = Leaves(root).ToList();
        Assert.True(leaves.Count > 30, $"the walk found only {leaves.Count} commands");
        // Every command that runs anything is a WeftCommand: the one base that makes it declare its JSON.
        return [.. leaves.Select(l => (l.Path, Assert.IsAssignableFrom<WeftCommand>(l.Command)))];
    }

    [Fact]
    public void Every_command_declares_its_json_or_is_on_the_short_documented_list_of_refusals()
    {
        var tree = CommandTree();
        foreach (var (path, command) in tree)
        {
            if (command.Json.Refusal is { } why)
            {
                Assert.True(Refusing.TryGetValue(path, out var expected), $"`weft {path}` refuses --format json but is not on the list of refusals");
                Assert.Contains(expected, why, StringComparison.Ordinal);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(command.Json.Shape), $"`weft {path}` says nothing of its JSON");
                Assert.False(Refusing.ContainsKey(path), $"`weft {path}` is listed as refusing --format json, but prints JSON");
            }
        }

        Assert.Equal(Refusing.Keys.Order(), tree.Where(c => c.Command.Json.Refusal is not null).Select(c => c.Path).Order());
    }

    [Fact]
    public void The_readme_lists_every_command_with_what_it_prints_under_json()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf("### JSON output", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '### JSON output' section");
        var section = readme[start..readme.IndexOf("\n#", start + 4, StringComparison.Ordinal)];
        foreach (var (path, command) in CommandTree().Where(c => !c.Command.Hidden))
        {
            Assert.Contains($"`{path}`", section, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("lab", "shell", "host1")]
    [InlineData("lab", "store", "hold-write-lock", "/nonexistent-shm")]
    public async Task A_refusing_command_refuses_json_by_name_before_it_does_anything(params string[] args)
    {
        var run = await InProcessCli.RunAsync([.. args, "--format", "json"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        using var error = JsonDocument.Parse(run.Stderr);
        Assert.Equal("usage", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.StartsWith("--format json: ", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_under_json_refuses_an_explicit_text_log_by_name()
    {
        var run = await InProcessCli.RunAsync("agent", "--store", "sqlite:///nonexistent/store.db", "--log-format", "text", "--format", "json");

        Assert.Equal(2, run.ExitCode);
        using var error = JsonDocument.Parse(run.Stderr);
        Assert.Contains("--format json and --log-format text", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_under_json_prints_the_command_its_exit_code_and_its_collected_output()
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("GET /v1/sandboxes/web1", Samples.Web1, ApiJsonContext.Default.SandboxDetail);
        var runner = new FakeProcessRunner(exitCode: 3) { Output = "10.0.10.2\n", Errors = "warning: \"x\"\n" };

        var run = await InProcessCli.RunAsync(runner, "--socket", agent.SocketPath, "--format", "json", "exec", "web1", "hostname", "-i");

        Assert.Equal((3, ""), (run.ExitCode, run.Stderr));
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal("web1", root.GetProperty("sandbox").GetString());
        Assert.Equal(["hostname", "-i"], root.GetProperty("command").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, root.GetProperty("exitCode").GetInt32());
        Assert.Equal("10.0.10.2\n", root.GetProperty("stdout").GetString());
        Assert.Equal("warning: \"x\"\n", root.GetProperty("stderr").GetString());
    }

    [Theory]
    [InlineData("exec", "-it", "web1", "sh")]
    [InlineData("run", "-t", "--name", "web1", "sh")]
    public async Task A_terminal_under_json_is_refused_by_name_before_anything_runs(params string[] args)
    {
        await using var agent = await FakeAgent.StartAsync();
        agent.Answer("GET /v1/sandboxes/web1", Samples.Web1, ApiJsonContext.Default.SandboxDetail);
        var runner = new FakeProcessRunner();

        var run = await InProcessCli.RunAsync(runner, ["--socket", agent.SocketPath, "--format", "json", .. args]);

        Assert.Equal(2, run.ExitCode);
        using var error = JsonDocument.Parse(run.Stderr);
        Assert.Contains("cannot have this terminal", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(runner.Runs);
        Assert.DoesNotContain(agent.Received, r => r.Method == "POST");
    }

    [Fact]
    public void Logs_under_json_is_one_object_per_line_and_a_line_split_across_reads_stays_one()
    {
        using var output = new StringWriter { NewLine = "\n" };
        var writer = new JsonLogWriter(output);

        writer.Write("first line\nsecond \"quoted\" → ");
        writer.Write("line\n\nlast without newline");
        writer.Flush();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["first line", "second \"quoted\" → line", "", "last without newline"],
            lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("line").GetString()));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Weft.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Weft.slnx above {AppContext.BaseDirectory}");
    }
}
