using System.Diagnostics;
using Weft.Api;
using Weft.Cli.Tests.Support;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Cli.Tests;

/// <summary>
/// The built `weft` executable as a separate process: a fresh runtime whose first child is started from a
/// namespace thread, real stdio inherited by the command, and the exit code of the whole chain. Needs root.
/// </summary>
[RequiresRoot]
public sealed class WeftProcessTests : IAsyncLifetime
{
    private readonly TestNamespaces _namespaces = new();
    private readonly NetworkNamespace _namespace;
    private readonly TempDirectory _files = NamespaceProcessRunnerTests.SandboxFilesFor();
    private FakeAgent _agent = null!;

    /// <summary>A throw-away namespace stands in for the sandbox's.</summary>
    public WeftProcessTests() => _namespace = _namespaces.Create("sandbox");

    public async Task InitializeAsync()
    {
        _agent = await FakeAgent.StartAsync();
        _agent.Answer("GET /v1/sandboxes/web1", Samples.Web1 with
        {
            NetworkNamespace = _namespace.Path,
            ResolvConf = _files.File("resolv.conf"),
            HostsFile = _files.File("hosts"),
        }, ApiJsonContext.Default.SandboxDetail);
    }

    [Fact]
    public async Task Exec_runs_the_command_in_the_sandbox_namespace_with_weft_stdout()
    {
        var (exitCode, stdout, stderr) = await RunWeftAsync("exec", "web1", "readlink", "/proc/self/ns/net");

        Assert.Equal((0, $"{_namespace.Identity}\n", ""), (exitCode, stdout, stderr));
    }

    [Fact]
    public async Task Exec_exits_with_the_command_exit_code()
    {
        var (exitCode, _, stderr) = await RunWeftAsync("exec", "web1", "sh", "-c", "exit 42");

        Assert.Equal((42, ""), (exitCode, stderr));
    }

    [Fact]
    public async Task Exec_of_a_missing_command_exits_127_with_one_line()
    {
        var (exitCode, stdout, stderr) = await RunWeftAsync("exec", "web1", "wtt-no-such-command");

        Assert.Equal((127, "", "weft: wtt-no-such-command: command not found\n"), (exitCode, stdout, stderr));
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _namespaces.Dispose();
        _files.Dispose();
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunWeftAsync(params string[] args)
    {
        var weft = Path.Combine(AppContext.BaseDirectory, "weft");
        var startInfo = new ProcessStartInfo(weft, ["--socket", _agent.SocketPath, .. args])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
