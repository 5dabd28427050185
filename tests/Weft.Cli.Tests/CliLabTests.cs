using System.Text.Json;
using Weft.Api;
using Weft.Core.Errors;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Cli.Tests;

/// <summary>
/// Issue 19's CLI cases as a Docker user meets them, through the real `weft` on a two-host lab: `run -d` of a command
/// that cannot start fails with the exec error and leaves nothing behind; stop, start, kill and logs; ps -a, -q and
/// --filter; network rm -f, prune and inspect of several names.
/// </summary>
[RequiresRoot]
public sealed class CliLabTests : IAsyncLifetime
{
    private LabFixture _lab = null!;

    public async Task InitializeAsync() => _lab = await LabFixture.UpAsync(2);

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private async Task<string> Ok(int host, params string[] args)
    {
        var (code, output) = await _lab.WeftAsync(host, args);
        Assert.True(code == 0, $"weft {string.Join(' ', args)} on host{host} exited {code}: {output}");
        return output;
    }

    [Fact]
    public async Task Run_detached_of_a_command_that_cannot_start_fails_with_the_exec_error_and_leaves_nothing_behind()
    {
        await Ok(1, "network", "create", "--subnet", "10.0.19.0/24", "execnet");

        using var files = new Support.TempDirectory();
        var plain = files.File("not-executable");
        File.WriteAllText(plain, "echo never\n");
        File.SetUnixFileMode(plain, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // Both pass a lookup (regular files, executable) and fail only in execve itself: ENOENT for the missing
        // interpreter, ENOEXEC for content that is no program (which a shell would have run as a script instead).
        const UnixFileMode executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var noInterpreter = files.File("no-interpreter");
        File.WriteAllText(noInterpreter, "#!/wtc-no-such-interpreter\necho never > /dev/null\n");
        File.SetUnixFileMode(noInterpreter, executable);
        var garbage = files.File("garbage");
        File.WriteAllBytes(garbage, [0x00, 0x01, 0x02, 0x03, (byte)'e', (byte)'c', (byte)'h', (byte)'o', (byte)'\n']);
        File.SetUnixFileMode(garbage, executable);

        var missing = await _lab.WeftAsync(1, "run", "-d", "--name", "bad", "--net", "execnet", "wtc-no-such-command", "x");
        var notExecutable = await _lab.WeftAsync(1, "run", "-d", "--name", "bad2", "--net", "execnet", plain);
        var interpreterMissing = await _lab.WeftAsync(1, "run", "-d", "--name", "bad3", "--net", "execnet", noInterpreter);
        var formatError = await _lab.WeftAsync(1, "run", "-d", "--name", "bad4", "--net", "execnet", garbage);

        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("exec: \"wtc-no-such-command\": executable file not found in $PATH", missing.Output, StringComparison.Ordinal);
        Assert.Equal(126, notExecutable.ExitCode);
        Assert.Contains($"exec: \"{plain}\": permission denied", notExecutable.Output, StringComparison.Ordinal);
        Assert.Equal(127, interpreterMissing.ExitCode);
        Assert.Contains($"exec: \"{noInterpreter}\": no such file or directory", interpreterMissing.Output, StringComparison.Ordinal);
        Assert.Equal(126, formatError.ExitCode);
        var missingJson = await _lab.WeftAsync(1, "run", "--format", "json", "-d", "--name", "bad6", "--net", "execnet", "wtc-no-such-command");
        Assert.Equal(127, missingJson.ExitCode);
        Assert.Contains("\"code\":\"exec-failed\"", missingJson.Output, StringComparison.Ordinal);
        Assert.Contains("\"exitCode\":127", missingJson.Output, StringComparison.Ordinal);
        Assert.Contains($"exec: \"{garbage}\": exec format error", formatError.Output, StringComparison.Ordinal);
        // No sandbox record, no namespace, no endpoint, and every address is free again: asked for by name, they are given.
        string[] failed = ["bad", "bad2", "bad3", "bad4", "bad5", "bad6"];
        Assert.Equal("", (await Ok(1, "ps", "-a", "-q")).Trim());
        Assert.DoesNotContain(NetworkNamespace.List(), n => failed.Any(f => n.EndsWith("_" + f, StringComparison.Ordinal)));
        using var h1 = _lab.Client(1);
        Assert.Empty((await h1.InspectNetworkAsync("execnet")).Endpoints);
        // The exit code is a field of the API's error, not something a client reads out of the message.
        var refused = await Assert.ThrowsAsync<WeftApiException>(() => h1.CreateSandboxAsync(new CreateSandboxRequest { Name = "bad5", Networks = [new SandboxNetworkSpec("execnet")], Command = [garbage] }));
        Assert.Equal((ErrorCodes.ExecFailed, 126), (refused.Code, refused.ExitCode));
        foreach (var (name, address) in new[] { ("good", "10.0.19.2"), ("good2", "10.0.19.3"), ("good3", "10.0.19.4"), ("good4", "10.0.19.5") })
        {
            var good = await h1.CreateSandboxAsync(new CreateSandboxRequest { Name = name, Networks = [new SandboxNetworkSpec("execnet", address)], Command = ["sleep", "infinity"] });
            Assert.Equal(address, good.Endpoints[0].Address);
            // The recorded pid is the command's own: everything in front of it exec'd into it.
            Assert.Equal("sleep\0infinity\0", File.ReadAllText($"/proc/{good.Pid}/cmdline"));
        }
        foreach (var name in failed)
        {
            Assert.False(Directory.Exists(Path.Combine(_lab.Host(1).Directory, "run", "sandboxes", name)), $"the failed sandbox {name}'s files stay");
        }
    }

    [Fact]
    public async Task Stop_start_kill_logs_and_ps_behave_as_in_docker()
    {
        await Ok(1, "network", "create", "--subnet", "10.0.20.0/24", "procnet");
        await Ok(1, "run", "-d", "--name", "svc", "--net", "procnet", "-e", "GREETING=hello", "--", "sh", "-c", "echo $GREETING; exec sleep infinity");
        // Its environment is a container's: a fixed base, its own -e and the mark, none of the agent's (a lab's agents carry
        // this test run's whole environment); sh adds PWD.
        await Ok(1, "run", "-d", "--name", "oneshot", "--net", "procnet", "--hostname", "box", "-e", "GREETING=bye", "--", "sh", "-c",
            "env | cut -d= -f1 | sort | tr '\\n' ' '; echo; echo $HOSTNAME $HOME $PATH; echo $GREETING");
        using var h1 = _lab.Client(1);
        var address = (await h1.InspectSandboxAsync("svc")).Endpoints[0].Address;
        await LabFixture.EventuallyAsync(async () => (await h1.InspectSandboxAsync("oneshot")).State == "exited", "oneshot exited");

        // ps: running ones; -a: exited ones too; -q: names; --filter name=.
        Assert.Equal("svc", (await Ok(1, "ps", "-q")).Trim());
        Assert.Equal(["oneshot", "svc"], (await Ok(1, "ps", "-a", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("oneshot", (await Ok(1, "ps", "-aq", "--filter", "name=one")).Trim());
        Assert.Equal("", (await Ok(2, "ps", "-aq")).Trim());
        Assert.Equal(["oneshot", "svc"], (await Ok(2, "ps", "-a", "-q", "--all-hosts")).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        await LabFixture.EventuallyAsync(async () => (await _lab.WeftAsync(1, "logs", "svc")).Output.Contains("hello", StringComparison.Ordinal), "svc's output in logs");
        Assert.Equal("GREETING HOME HOSTNAME PATH PWD WEFT_SANDBOX \nbox /root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nbye\n",
            await Ok(1, "logs", "oneshot"));

        // stop: the process ends, the sandbox and its address stay; start: the same command, environment and address.
        Assert.Equal("svc\n", await Ok(1, "stop", "-t", "1", "svc"));
        var stopped = await h1.InspectSandboxAsync("svc");
        Assert.Equal(("exited", address), (stopped.State, stopped.Endpoints[0].Address));
        Assert.Equal("", (await Ok(1, "ps", "-q")).Trim());
        Assert.Equal("svc\n", await Ok(1, "start", "svc"));
        var started = await h1.InspectSandboxAsync("svc");
        Assert.Equal(("running", address), (started.State, started.Endpoints[0].Address));
        Assert.NotEqual(stopped.Pid, started.Pid);
        await LabFixture.EventuallyAsync(async () => (await _lab.WeftAsync(1, "logs", "svc")).Output.Split("hello").Length == 3, "the restarted command's output, with its environment");

        // kill: SIGKILL by default; a sandbox with nothing running is refused.
        Assert.Equal("svc\n", await Ok(1, "kill", "svc"));
        await LabFixture.EventuallyAsync(async () => (await h1.InspectSandboxAsync("svc")).State == "exited", "svc killed");
        var again = await _lab.WeftAsync(1, "kill", "-s", "TERM", "svc");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not running", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Network_verbs_follow_docker_rm_f_prune_inspect_of_several_quiet_and_filter()
    {
        await Ok(1, "network", "create", "--subnet", "10.0.21.0/24", "used");
        await Ok(1, "network", "create", "--subnet", "10.0.22.0/24", "idle");
        await Ok(1, "network", "create", "-d", "bridge", "--subnet", "10.0.23.0/24", "local-br");
        await Ok(1, "run", "-d", "--name", "member", "--net", "used", "sleep", "infinity");

        Assert.Equal(["idle", "local-br", "used"], (await Ok(2, "network", "ls", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("local-br", (await Ok(2, "network", "ls", "-q", "--filter", "driver=bridge")).Trim());
        Assert.Equal(["idle", "used"], (await Ok(2, "network", "ls", "-q", "--filter", "driver=overlay", "--filter", "name=d")).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var inspected = JsonSerializer.Deserialize(await Ok(2, "network", "inspect", "--format", "json", "used", "idle"), Output.CliJsonContext.Default.NetworkDetailArray)!;
        Assert.Equal(["used", "idle"], inspected.Select(n => n.Name));
        var partly = await _lab.WeftAsync(2, "network", "inspect", "used", "ghost");
        Assert.Equal(1, partly.ExitCode);
        Assert.Contains("ghost", partly.Output, StringComparison.Ordinal);
        Assert.Contains("Name:", partly.Output, StringComparison.Ordinal);

        // rm -f: a missing network is no error (Docker); a network with endpoints still needs --with-endpoints.
        Assert.Equal(0, (await _lab.WeftAsync(2, "network", "rm", "-f", "ghost")).ExitCode);
        var inUse = await _lab.WeftAsync(2, "network", "rm", "-f", "used");
        Assert.Equal(1, inUse.ExitCode);
        Assert.Contains("used", inUse.Output, StringComparison.Ordinal);

        // prune: the networks without endpoints go, the used one stays.
        Assert.Equal(["idle", "local-br"], (await Ok(2, "network", "prune")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("used", (await Ok(1, "network", "ls", "-q")).Trim());

        await Ok(1, "rm", "-f", "member");
        Assert.Equal("used\n", await Ok(2, "network", "rm", "used"));
    }
}
