using Weft.Api;
using Weft.Cli.Execution;
using Weft.Cli.Tests.Support;
using Weft.Linux;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Cli.Tests;

/// <summary>The real runner, in this process, against a real namespace. Needs root (setns), as `weft exec` does.</summary>
[RequiresRoot]
public sealed class NamespaceProcessRunnerTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();
    private readonly NetworkNamespace _namespace;
    private readonly TempDirectory _files = SandboxFilesFor();

    /// <summary>A throw-away namespace stands in for the sandbox's.</summary>
    public NamespaceProcessRunnerTests() => _namespace = _namespaces.Create("sandbox");

    [Fact]
    public async Task The_command_runs_inside_the_sandbox_network_namespace_and_its_exit_code_comes_back()
    {
        // The shell compares its own namespace with the sandbox's and answers through its exit code.
        var script = $"[ \"$(readlink /proc/self/ns/net)\" = '{_namespace.Identity}' ] && exit 42 || exit 3";

        var exitCode = await new NamespaceProcessRunner().RunAsync(Sandbox(), ["sh", "-c", script], new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal(42, exitCode);
        Assert.NotEqual(_namespace.Identity, new FileInfo("/proc/self/ns/net").LinkTarget);
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

    [Fact]
    public async Task The_command_sees_the_sandbox_hostname_resolv_conf_and_hosts_and_the_host_keeps_its_own()
    {
        var hostResolvConf = File.ReadAllText("/etc/resolv.conf");
        var script = "[ \"$(hostname)\" = web1 ] && grep -qx 'nameserver 10.0.10.1' /etc/resolv.conf && grep -q 'wtt-marker' /etc/hosts && exit 42 || exit 3";

        var exitCode = await new NamespaceProcessRunner().RunAsync(Sandbox(), ["sh", "-c", script], new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal(42, exitCode);
        Assert.Equal(hostResolvConf, File.ReadAllText("/etc/resolv.conf"));
        Assert.NotEqual("web1", Environment.MachineName);
    }

    [Fact]
    public async Task A_sandbox_whose_resolv_conf_is_gone_fails_naming_it()
    {
        var sandbox = Sandbox() with { ResolvConf = _files.File("gone") };

        var error = await Assert.ThrowsAsync<CommandNotStartedException>(() =>
            new NamespaceProcessRunner().RunAsync(sandbox, ["true"], new Dictionary<string, string>(), CancellationToken.None));

        Assert.Equal($"sandbox web1: {_files.File("gone")} (its /etc/resolv.conf) is missing; is the sandbox being removed?", error.Message);
    }

    public void Dispose()
    {
        _namespaces.Dispose();
        _files.Dispose();
    }

    /// <summary>The files the agent writes for a sandbox: resolv.conf and hosts, as <see cref="SandboxDetail"/> names them.</summary>
    internal static TempDirectory SandboxFilesFor()
    {
        var files = new TempDirectory();
        File.WriteAllText(files.File("resolv.conf"), "nameserver 10.0.10.1\nsearch test-net\n");
        File.WriteAllText(files.File("hosts"), "127.0.0.1 localhost\n10.0.10.2 web1 wtt-marker\n");
        return files;
    }

    private SandboxDetail Sandbox() => Samples.Web1 with
    {
        NetworkNamespace = _namespace.Path,
        ResolvConf = _files.File("resolv.conf"),
        HostsFile = _files.File("hosts"),
    };
}
