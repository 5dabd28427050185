using Weft.Api;
using Weft.Cli.Execution;
using Weft.Cli.Tests.Support;
using Weft.Linux;

namespace Weft.Cli.Tests;

/// <summary>The real runner, in this process, against a real namespace. Needs root (setns), as `weft exec` does.</summary>
public sealed class NamespaceProcessRunnerTests : IDisposable
{
    private readonly IsolatedNetworkNamespace _namespace = new();

    [Fact]
    public async Task The_command_runs_inside_the_sandbox_network_namespace_and_its_exit_code_comes_back()
    {
        // The shell compares its own namespace with the sandbox's and answers through its exit code.
        var script = $"[ \"$(readlink /proc/self/ns/net)\" = '{_namespace.Id}' ] && exit 42 || exit 3";

        var exitCode = await new NamespaceProcessRunner().RunAsync(Sandbox(), ["sh", "-c", script], new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal(42, exitCode);
        Assert.NotEqual(_namespace.Id, IsolatedNetworkNamespace.IdOf("/proc/self/ns/net"));
    }

    [Fact]
    public async Task The_environment_given_reaches_the_command()
    {
        var exitCode = await new NamespaceProcessRunner().RunAsync(
            Sandbox(), ["sh", "-c", "[ \"$WTT_VALUE\" = 'from weft' ]"], new Dictionary<string, string> { ["WTT_VALUE"] = "from weft" }, CancellationToken.None);

        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task A_missing_command_is_127_and_named()
    {
        var error = await Assert.ThrowsAsync<CommandNotStartedException>(() =>
            new NamespaceProcessRunner().RunAsync(Sandbox(), ["wtt-no-such-command"], new Dictionary<string, string>(), CancellationToken.None));

        Assert.Equal((127, "wtt-no-such-command: command not found"), (error.ExitCode, error.Message));
    }

    [Fact]
    public async Task A_sandbox_whose_namespace_is_gone_fails_naming_it()
    {
        using var directory = new TempDirectory();
        var sandbox = Sandbox() with { NetworkNamespace = directory.File("gone") };

        var error = await Assert.ThrowsAsync<KernelException>(() =>
            new NamespaceProcessRunner().RunAsync(sandbox, ["true"], new Dictionary<string, string>(), CancellationToken.None));

        Assert.Contains("sandbox web1", error.Message, StringComparison.Ordinal);
        Assert.Equal("ENOENT", error.ErrnoName);
    }

    public void Dispose() => _namespace.Dispose();

    private SandboxDetail Sandbox() => Samples.Web1 with { NetworkNamespace = _namespace.Path };
}
