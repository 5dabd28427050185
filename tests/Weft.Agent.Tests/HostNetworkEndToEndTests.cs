using Weft.Api;
using Weft.Linux.Namespaces;
using Weft.Linux.Processes;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// `--net host` and `--net none` as a Docker user runs them, on a three-host lab: the commands go through the real
/// `weft` CLI inside a lab host (run, exec, rm), and what the sandbox sees is checked from inside it. A lab host is
/// a namespace, so "the host's namespace" here is that lab host's, never the machine's.
/// </summary>
[RequiresRoot]
public sealed class HostNetworkEndToEndTests : IAsyncLifetime
{
    private LabFixture _lab = null!;

    public async Task InitializeAsync() => _lab = await LabFixture.UpAsync(3);

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static CreateSandboxRequest Sleeper(string name, string network, string? hostname = null, string? extraHost = null) => new()
    {
        Name = name,
        Hostname = hostname,
        Networks = [new SandboxNetworkSpec(network)],
        ExtraHosts = extraHost is null ? [] : [extraHost],
        Command = ["sleep", "infinity"],
    };

    private static CreateNetworkRequest Overlay(string name, string subnet) => new() { Name = name, Subnets = [new SubnetSpec(subnet)] };

    [Fact]
    public async Task A_host_network_sandbox_shares_its_hosts_namespace_and_removing_it_leaves_the_host_as_it_was()
    {
        using var h1 = _lab.Client(1);
        using var h2 = _lab.Client(2);
        using var h3 = _lab.Client(3);
        var host2 = _lab.Host(2);
        var host2Identity = Identity(HostNamespace(2));

        var created = await h2.CreateNetworkAsync(new CreateNetworkRequest { Name = "hostnet", Driver = "host" });
        Assert.Equal(("host", "local", (int?)null, (string?)null), (created.Driver, created.Scope, created.Vni, created.Dns));
        Assert.Empty(created.Subnets);
        Assert.Contains(await h1.ListNetworksAsync(), n => n.Name == "hostnet" && n.Driver == "host");

        var hs = await h2.CreateSandboxAsync(Sleeper("hs", "hostnet", hostname: "box", extraHost: "legacy:10.9.9.9"));
        Assert.Equal("running", hs.State);
        Assert.Equal(Path.Combine(NetworkNamespace.DefaultRunDirectory, $"weft-{host2.Name}"), hs.NetworkNamespace);
        var endpoint = Assert.Single(hs.Endpoints);
        Assert.Equal(("hostnet", (string?)null, "", ""), (endpoint.Network, endpoint.Address, endpoint.Mac, endpoint.InterfaceName));
        // No namespace, veth or address of its own: nothing named after the sandbox exists.
        Assert.DoesNotContain($"weftsb-{host2.Name}_hs", NetworkNamespace.List());
        Assert.Equal(host2Identity, new FileInfo($"/proc/{hs.Pid}/ns/net").LinkTarget);

        // Through `weft exec`, as a user on host2 runs it: host2's namespace, eth0 and underlay.
        Assert.Equal(host2Identity, (await ExecOk(2, "hs", "readlink", "/proc/self/ns/net")).Trim());
        Assert.Contains($"inet {host2.Address}/", await ExecOk(2, "hs", "ip", "-o", "-4", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        await ExecOk(2, "hs", "ping", "-c", "1", "-W", "2", _lab.Host(3).Address);
        // The host's files: its resolv.conf unchanged, its hosts with the sandbox's --add-host after them.
        Assert.Equal(File.ReadAllText("/etc/resolv.conf").Trim(), (await ExecOk(2, "hs", "cat", "/etc/resolv.conf")).Trim());
        var hosts = await ExecOk(2, "hs", "cat", "/etc/hosts");
        Assert.StartsWith(File.ReadAllText("/etc/hosts").Trim(), hosts.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("10.9.9.9\tlegacy", hosts.Trim(), StringComparison.Ordinal);
        Assert.Equal("10.9.9.9 legacy", Squeeze(await ExecOk(2, "hs", "getent", "hosts", "legacy")));
        // --hostname gives a UTS namespace of its own, as for other sandboxes; the host's name is untouched.
        Assert.Equal("box", (await ExecOk(2, "hs", "hostname")).Trim());
        Assert.Equal(Environment.MachineName, (await RunAsync(2, "hostname")).Output.Trim());

        // inspect and ps show it on host2, without an address.
        var inspected = await h3.InspectNetworkAsync("hostnet");
        var shown = Assert.Single(inspected.Endpoints);
        Assert.Equal((host2.Name, "hs", (string?)null), (shown.Host, shown.Sandbox, shown.Address));
        Assert.Contains(await h2.ListSandboxesAsync(), s => s.Name == "hs" && s.State == "running");
        Assert.Equal("in-use", (await Assert.ThrowsAsync<WeftApiException>(() => h1.RemoveNetworkAsync("hostnet"))).Code);

        // A second host-network sandbox, in the foreground with --rm and no process of the agent's, comes and goes
        // while hs lives: the pin of host2's namespace stays for hs.
        var foreground = await WeftAsync(2, "run", "--rm", "--name", "fg", "--net", "hostnet", "--", "readlink", "/proc/self/ns/net");
        Assert.True(foreground.ExitCode == 0, foreground.Output);
        Assert.Equal(host2Identity, foreground.Output.Trim());
        Assert.DoesNotContain(await h2.ListSandboxesAsync(), s => s.Name == "fg");
        Assert.Equal(host2Identity, (await ExecOk(2, "hs", "readlink", "/proc/self/ns/net")).Trim());

        // rm -f: the process ends, and host2's namespace, its eth0 and its agent stay.
        var started = ProcessStat.Read(hs.Pid!.Value)!.Value.StartTime;
        var removed = await WeftAsync(2, "rm", "-f", "hs");
        Assert.True(removed.ExitCode == 0, removed.Output);
        Assert.False(ProcessStat.Read(hs.Pid.Value) is { IsZombie: false } after && after.StartTime == started, "the sandbox's sleep still runs");
        Assert.True(NetworkNamespace.Exists(host2.Namespace), $"{host2.Namespace} must survive rm -f of a host-network sandbox");
        Assert.Equal(host2Identity, Identity(HostNamespace(2)));
        Assert.Contains($"inet {host2.Address}/", (await RunAsync(2, "ip", "-o", "-4", "addr", "show", "dev", "eth0")).Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"weft-{host2.Name}", NetworkNamespace.List());
        Assert.True((await h2.StatusAsync()).StoreReachable);
        await h1.RemoveNetworkAsync("hostnet");

        // The lab still works through host2: an overlay between host2 and host3, and host3 reaching host2's underlay.
        await h3.CreateNetworkAsync(Overlay("after", "10.0.90.0/24"));
        var a2 = await h2.CreateSandboxAsync(Sleeper("a2", "after"));
        var a3 = await h3.CreateSandboxAsync(Sleeper("a3", "after"));
        Assert.True(await LabFixture.PingAsync(a3.NetworkNamespace, a2.Endpoints[0].Address!, 3), "a3 (host3) → a2 (host2) over the overlay after rm -f");
        Assert.True(await LabFixture.PingAsync(HostNamespace(3), host2.Address), "host3 → host2's underlay address");
    }

    [Fact]
    public async Task Host_and_null_networks_stand_alone_and_a_null_sandbox_has_loopback_only()
    {
        using var h1 = _lab.Client(1);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "hostnet", Driver = "host" });
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "none", Driver = "null" });
        await h1.CreateNetworkAsync(Overlay("ov", "10.0.91.0/24"));
        await h1.CreateSandboxAsync(Sleeper("hs", "hostnet"));
        await h1.CreateSandboxAsync(Sleeper("plain", "ov"));
        var lonely = await h1.CreateSandboxAsync(Sleeper("lonely", "none"));

        // What a person typing the commands reads.
        await Refused(1, "the host driver manages no addresses, so it takes no subnet", "network", "create", "-d", "host", "--subnet", "10.0.92.0/24", "bad");
        await Refused(1, "only overlay networks have a VNI", "network", "create", "-d", "null", "--vni", "300", "bad");
        await Refused(1, "a sandbox sharing the host's network namespace cannot be on other networks too ('ov')", "run", "-d", "--name", "both", "--net", "hostnet", "--net", "ov", "--", "sleep", "infinity");
        await Refused(1, "a sandbox on it cannot be on other networks too ('ov')", "run", "-d", "--name", "both", "--net", "none", "--net", "ov", "--", "sleep", "infinity");
        await Refused(1, "sandbox 'hs' shares the host's network namespace, so it cannot be connected to other networks", "network", "connect", "ov", "hs");
        await Refused(1, "sandbox 'hs' shares the host's network namespace, so it cannot leave network 'hostnet'", "network", "disconnect", "hostnet", "hs");
        await Refused(1, "only `weft run --net hostnet` makes a sandbox that shares the host's", "network", "connect", "hostnet", "plain");
        await Refused(1, "sandbox 'lonely' is on null network 'none' (loopback only)", "network", "connect", "ov", "lonely");
        await Refused(1, "network 'none' uses the null driver (loopback only), and sandbox 'plain' is on 'ov'", "network", "connect", "none", "plain");
        await Refused(1, "which gives no addresses, so 10.0.0.5 cannot be asked for", "run", "-d", "--name", "fixed", "--net", "hostnet", "--ip", "10.0.0.5", "--", "sleep", "infinity");

        // The same refusals by code through the API; none of them left anything behind.
        async Task<string> CodeOf(Func<Task> call) => (await Assert.ThrowsAsync<WeftApiException>(call)).Code;
        Assert.Equal("network-conflict", await CodeOf(() => h1.ConnectAsync("ov", new ConnectRequest("hs"))));
        Assert.Equal("invalid-network", await CodeOf(() => h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "bad", Driver = "host", Mtu = 9000 })));
        Assert.Equal("invalid-alias", await CodeOf(() => h1.CreateSandboxAsync(Sleeper("named", "hostnet") with { Networks = [new SandboxNetworkSpec("hostnet", Aliases: ["web"])] })));
        Assert.Equal(["hs", "lonely", "plain"], (await h1.ListSandboxesAsync(all: true)).Select(s => s.Name));
        Assert.Equal(["hostnet", "none", "ov"], (await h1.ListNetworksAsync()).Select(n => n.Name));
        var host1 = _lab.Host(1).Name;
        Assert.Equal([$"weftsb-{host1}_lonely", $"weftsb-{host1}_plain"], NetworkNamespace.List().Where(n => n.StartsWith($"weftsb-{host1}_", StringComparison.Ordinal)));

        // --net none: loopback only, and nothing beyond it, seen from inside through `weft exec`.
        var links = (await ExecOk(1, "lonely", "ip", "-o", "link")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["lo"], links.Select(l => l.Split(':')[1].Trim()));
        Assert.Contains(",UP,", links[0], StringComparison.Ordinal);
        Assert.Equal("127.0.0.1/8", (await ExecOk(1, "lonely", "ip", "-o", "-4", "addr")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        await ExecOk(1, "lonely", "ping", "-c", "1", "-W", "2", "127.0.0.1");
        Assert.NotEqual(0, (await ExecAsync(1, "lonely", "ping", "-c", "1", "-W", "1", _lab.Host(2).Address)).ExitCode);
        Assert.Equal(File.ReadAllText("/etc/resolv.conf").Trim(), (await ExecOk(1, "lonely", "cat", "/etc/resolv.conf")).Trim());
        Assert.Equal("in-use", await CodeOf(() => h1.RemoveNetworkAsync("none")));

        // A null sandbox may leave its network and then join another: its namespace is its own.
        await h1.DisconnectAsync("none", new ConnectRequest("lonely"));
        var joined = await h1.ConnectAsync("ov", new ConnectRequest("lonely"));
        Assert.Equal("eth0", Assert.Single(joined.Endpoints).InterfaceName);
        Assert.True(await LabFixture.PingAsync(lonely.NetworkNamespace, "10.0.91.1"), "lonely, now on ov, reaches the gateway");

        foreach (var name in new[] { "hs", "plain", "lonely" })
        {
            await h1.RemoveSandboxAsync(name, force: true);
        }
        foreach (var name in new[] { "hostnet", "none", "ov" })
        {
            await h1.RemoveNetworkAsync(name);
        }
        Assert.True(NetworkNamespace.Exists(_lab.Host(1).Namespace));
        await LabFixture.EventuallyAsync(
            () => !NetworkNamespace.List().Any(n => n == $"weft-{host1}" || n.StartsWith($"weft-{host1}_", StringComparison.Ordinal) || n.StartsWith($"weftsb-{host1}_", StringComparison.Ordinal)),
            "no namespace or pin of host1 remains");
    }

    private string HostNamespace(int host) => _lab.HostNamespacePath(host);

    private static string Identity(string namespacePath)
    {
        using var ns = NetworkNamespace.OpenPath(namespacePath);
        return ns.Identity;
    }

    private Task<(int ExitCode, string Output)> RunAsync(int host, params string[] command) => _lab.RunOnHostAsync(host, command);

    private Task<(int ExitCode, string Output)> WeftAsync(int host, params string[] args) => _lab.WeftAsync(host, args);

    private Task<(int ExitCode, string Output)> ExecAsync(int host, string sandbox, params string[] command) => _lab.ExecAsync(host, sandbox, command);

    private async Task<string> ExecOk(int host, string sandbox, params string[] command)
    {
        var (code, output) = await ExecAsync(host, sandbox, command);
        Assert.True(code == 0, $"{string.Join(' ', command)} in {sandbox} exited {code}: {output}");
        return output;
    }

    /// <summary>A weft command that must fail with one line, `weft: …`, holding <paramref name="expected"/>.</summary>
    private async Task Refused(int host, string expected, params string[] args)
    {
        var (code, output) = await WeftAsync(host, args);
        Assert.True(code != 0, $"weft {string.Join(' ', args)} succeeded: {output}");
        Assert.StartsWith("weft: ", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    private static string Squeeze(string text) => string.Join(' ', text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
