using Weft.Api;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// The real weft-cni binary driven as a runtime drives it (environment and stdin) against the agents of a two-host lab:
/// containers are throw-away namespaces the test makes, as Podman's and containerd's are namespaces they make. Each test
/// uses a network of its own, so the tests share one lab.
/// </summary>
public sealed class CniLab : IAsyncLifetime
{
    public LabFixture Lab { get; private set; } = null!;

    public async Task InitializeAsync() => Lab = await LabFixture.UpAsync(2, hostTtl: TimeSpan.FromSeconds(5));

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}

public sealed class CniEndToEndTests(CniLab lab) : IClassFixture<CniLab>, IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    private LabFixture Lab => lab.Lab;

    public void Dispose() => _namespaces.Dispose();

    /// <summary>The weft entry of a conflist as libcni passes it, pointed at host <paramref name="host"/>'s agent.</summary>
    private string Config(string network, int host = 1, string version = "1.0.0", string? extra = null) =>
        $$"""{"cniVersion":"{{version}}","name":"{{network}}","type":"weft","socket":"{{Lab.Host(host).SocketPath}}","capabilities":{"aliases":true}{{extra}}}""";

    private async Task<string> NetworkAsync(string name, string subnet)
    {
        using var client = Lab.Client(1);
        await client.CreateNetworkAsync(new CreateNetworkRequest { Name = name, Subnets = [new SubnetSpec(subnet)] });
        return name;
    }

    /// <summary>A "container": a namespace of the test's, with its loopback up, as a runtime makes one.</summary>
    private string Container(string tag)
    {
        var ns = _namespaces.Create(tag);
        DataPlane.SandboxInterface.BringUpLoopback(ns);
        return Path.Combine(NetworkNamespace.DefaultRunDirectory, _namespaces.NameFor(tag));
    }

    private static async Task<CniPlugin.Outcome> OkAsync(Task<CniPlugin.Outcome> call)
    {
        var outcome = await call;
        Assert.True(outcome.ExitCode == 0, $"weft-cni failed: {outcome}");
        return outcome;
    }

    [Fact]
    public async Task Add_joins_a_namespace_that_reaches_a_sandbox_on_another_host_by_name_and_del_is_idempotent()
    {
        var net = await NetworkAsync("cni-a", "10.98.1.0/24");
        using var h2 = Lab.Client(2);
        var shell = await h2.CreateSandboxAsync(new CreateSandboxRequest { Name = "cshell", Networks = [new SandboxNetworkSpec(net)], Command = ["sleep", "infinity"] });
        var netns = Container("c1");
        var add = await OkAsync(CniPlugin.RunAsync("ADD", Config(net, extra: $$$""","runtimeConfig":{"aliases":{"{{{net}}}":["www","abc123"]}}"""),
            "c1id", netns, "eth0", "IgnoreUnknown=1;K8S_POD_NAME=pod1;K8S_POD_NAMESPACE=x;IP=10.98.1.77"));

        var result = add.Json;
        Assert.Equal("1.0.0", result.GetProperty("cniVersion").GetString());
        Assert.Equal("eth0", result.GetProperty("interfaces")[0].GetProperty("name").GetString());
        Assert.Equal(netns, result.GetProperty("interfaces")[0].GetProperty("sandbox").GetString());
        var ip = result.GetProperty("ips")[0];
        Assert.Equal("10.98.1.77/24", ip.GetProperty("address").GetString());
        Assert.Equal("10.98.1.1", ip.GetProperty("gateway").GetString());
        Assert.Equal(0, ip.GetProperty("interface").GetInt32());
        Assert.False(ip.TryGetProperty("version", out _), "1.0.0 results name no IP version");
        Assert.Equal("10.98.1.1", result.GetProperty("dns").GetProperty("nameservers")[0].GetString());
        Assert.Equal(net, result.GetProperty("dns").GetProperty("search")[0].GetString());

        // Across hosts by address, and by name through Weft's DNS, both ways.
        var shellIp = shell.Endpoints[0].Address!;
        Assert.True(await LabFixture.PingAsync(netns, shellIp, 2), $"the CNI container pings {shellIp} on host2");
        var (code, lookup) = await LabDemo.RunInAsync(netns, ["busybox", "nslookup", $"cshell.{net}", "10.98.1.1"], CancellationToken.None);
        Assert.True(code == 0 && lookup.Contains(shellIp, StringComparison.Ordinal), $"cshell resolves from the CNI container: {lookup}");
        await LabFixture.EventuallyAsync(async () => (await Lab.ExecAsync(2, "cshell", "ping", "-c", "1", "-W", "2", "pod1")).ExitCode == 0, "cshell pings pod1 by name");
        Assert.Equal(0, (await Lab.ExecAsync(2, "cshell", "ping", "-c", "1", "-W", "2", "www")).ExitCode);

        // DEL as containerd sends it (no namespace), twice: both succeed with nothing on stdout, and the address is free.
        for (var i = 0; i < 2; i++)
        {
            var del = await OkAsync(CniPlugin.RunAsync("DEL", Config(net), "c1id", netns: null, "eth0"));
            Assert.Equal("", del.Stdout);
        }
        using var h1 = Lab.Client(1);
        var sandboxes = await h1.ListSandboxesAsync(all: true);
        Assert.DoesNotContain(sandboxes, s => s.Endpoints.Any(e => e.Address == "10.98.1.77"));
        Assert.DoesNotContain(sandboxes, s => s.State == "cni");
        Assert.False(await LabFixture.PingAsync(netns, shellIp), "the interface went with DEL");
        // The address can be taken again at once.
        await OkAsync(CniPlugin.RunAsync("ADD", Config(net), "c1id", netns, "eth0", "IP=10.98.1.77"));
        await OkAsync(CniPlugin.RunAsync("DEL", Config(net), "c1id", netns, "eth0"));
    }

    [Fact]
    public async Task Del_without_a_prior_add_succeeds()
    {
        var net = await NetworkAsync("cni-b", "10.98.2.0/24");
        for (var i = 0; i < 2; i++)
        {
            var del = await OkAsync(CniPlugin.RunAsync("DEL", Config(net), "never-added", netns: null, "eth0"));
            Assert.Equal("", del.Stdout);
        }
        // Even for a network that does not exist (removed since): there is nothing to release.
        await OkAsync(CniPlugin.RunAsync("DEL", Config("cni-gone"), "never-added", netns: null, "eth0"));
    }

    [Fact]
    public async Task Check_passes_after_add_and_fails_once_the_interface_was_deleted_by_hand_and_a_second_add_is_refused()
    {
        var net = await NetworkAsync("cni-c", "10.98.3.0/24");
        var netns = Container("c2");
        await OkAsync(CniPlugin.RunAsync("ADD", Config(net), "c2id", netns, "eth0"));
        var check = await OkAsync(CniPlugin.RunAsync("CHECK", Config(net), "c2id", netns, "eth0"));
        Assert.Equal("", check.Stdout);

        var again = await CniPlugin.RunAsync("ADD", Config(net), "c2id", netns, "eth0");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Equal(100, again.Code);
        Assert.Contains("already has eth0", again.Json.GetProperty("msg").GetString(), StringComparison.Ordinal);

        using (var ns = NetworkNamespace.OpenPath(netns))
        using (var nl = ns.OpenNetlink())
        {
            nl.DeleteLink("eth0");
        }
        // The agent's reconciler must not plug a runtime's interface in again behind its back: CHECK keeps failing.
        await Task.Delay(1500);
        var broken = await CniPlugin.RunAsync("CHECK", Config(net), "c2id", netns, "eth0");
        Assert.True(broken.ExitCode != 0, $"CHECK after the interface was deleted: {broken}");
        Assert.Equal(100, broken.Code);
        Assert.Contains("eth0 is missing", broken.Json.GetProperty("msg").GetString(), StringComparison.Ordinal);
        await OkAsync(CniPlugin.RunAsync("DEL", Config(net), "c2id", netns, "eth0"));
    }

    [Fact]
    public async Task Each_version_has_its_result_shape()
    {
        var net = await NetworkAsync("cni-v", "10.98.4.0/24");
        var netns = Container("cv");
        var old = (await OkAsync(CniPlugin.RunAsync("ADD", Config(net, version: "0.4.0"), "cvid", netns, "eth0"))).Json;
        Assert.Equal("0.4.0", old.GetProperty("cniVersion").GetString());
        Assert.Equal("4", old.GetProperty("ips")[0].GetProperty("version").GetString());
        await OkAsync(CniPlugin.RunAsync("DEL", Config(net, version: "0.4.0"), "cvid", netns, "eth0"));
        var newest = (await OkAsync(CniPlugin.RunAsync("ADD", Config(net, version: "1.1.0"), "cvid", netns, "eth0"))).Json;
        Assert.Equal("1.1.0", newest.GetProperty("cniVersion").GetString());
        Assert.False(newest.GetProperty("ips")[0].TryGetProperty("version", out _));
        Assert.True(newest.GetProperty("interfaces")[0].GetProperty("mtu").GetInt32() > 1000);
        await OkAsync(CniPlugin.RunAsync("STATUS", Config(net, version: "1.1.0"), ifName: null));
        await OkAsync(CniPlugin.RunAsync("DEL", Config(net, version: "1.1.0"), "cvid", null, "eth0"));
        var version = (await OkAsync(CniPlugin.RunAsync("VERSION", """{"cniVersion":"1.0.0"}""", ifName: "dummy"))).Json;
        Assert.Equal("1.0.0", version.GetProperty("cniVersion").GetString());
        Assert.Equal(["0.4.0", "1.0.0", "1.1.0"], version.GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Gc_releases_the_attachments_the_runtime_no_longer_lists()
    {
        var net = await NetworkAsync("cni-g", "10.98.5.0/24");
        var keep = Container("gk");
        var drop = Container("gd");
        await OkAsync(CniPlugin.RunAsync("ADD", Config(net, version: "1.1.0"), "keepid", keep, "eth0", "IP=10.98.5.10"));
        await OkAsync(CniPlugin.RunAsync("ADD", Config(net, version: "1.1.0"), "dropid", drop, "eth0", "IP=10.98.5.11"));
        var gc = await OkAsync(CniPlugin.RunAsync("GC",
            Config(net, version: "1.1.0", extra: ""","cni.dev/valid-attachments":[{"containerID":"keepid","ifname":"eth0"}],"cni.dev/attachments":[{"containerID":"keepid","ifname":"eth0"}]"""),
            containerId: null, netns: null, ifName: null));
        Assert.Equal("", gc.Stdout);
        using var h1 = Lab.Client(1);
        var addresses = (await h1.ListSandboxesAsync()).SelectMany(s => s.Endpoints).Where(e => e.Network == net).Select(e => e.Address).ToList();
        Assert.Equal(["10.98.5.10"], addresses);
        Assert.True(await LabFixture.PingAsync(keep, "10.98.5.1"), "the listed attachment still works");
        Assert.False(await LabFixture.PingAsync(drop, "10.98.5.1"), "the unlisted one's interface is gone");
        await OkAsync(CniPlugin.RunAsync("DEL", Config(net, version: "1.1.0"), "keepid", null, "eth0"));
    }

    [Fact]
    public async Task Bad_calls_get_the_spec_error_object_and_a_non_zero_exit()
    {
        var net = await NetworkAsync("cni-e", "10.98.6.0/24");
        var netns = Container("ce");
        async Task<int> CodeOf(Task<CniPlugin.Outcome> call)
        {
            var outcome = await call;
            Assert.True(outcome.ExitCode != 0, $"expected a failure: {outcome}");
            Assert.True(outcome.Json.GetProperty("msg").GetString()!.Length > 0);
            Assert.True(outcome.Json.TryGetProperty("cniVersion", out _));
            return outcome.Code;
        }
        Assert.Equal(6, await CodeOf(CniPlugin.RunAsync("ADD", "{not json", "e1", netns)));
        Assert.Equal(7, await CodeOf(CniPlugin.RunAsync("ADD", Config("no-such-net"), "e1", netns)));
        Assert.Equal(2, await CodeOf(CniPlugin.RunAsync("ADD", Config(net, extra: ""","bridge":"cni0" """), "e1", netns)));
        Assert.Equal(2, await CodeOf(CniPlugin.RunAsync("ADD", Config(net, extra: ""","ipam":{"type":"host-local"}"""), "e1", netns)));
        Assert.Equal(1, await CodeOf(CniPlugin.RunAsync("ADD", Config(net, version: "0.2.0"), "e1", netns)));
        Assert.Equal(4, await CodeOf(CniPlugin.RunAsync("ADD", Config(net), "e1", netns, "eth0", "FOO=bar")));
        Assert.Equal(4, await CodeOf(CniPlugin.RunAsync("ADD", Config(net), containerId: null, netns)));
        Assert.Equal(4, await CodeOf(CniPlugin.RunAsync("FROB", Config(net), "e1", netns)));
        // An address outside the network, or taken: Weft refuses, and says so.
        Assert.Equal(100, await CodeOf(CniPlugin.RunAsync("ADD", Config(net), "e1", netns, "eth0", "IP=10.1.2.3")));
        // A dead agent: "try again later", naming the socket.
        var dead = await CniPlugin.RunAsync("ADD", Config(net).Replace(Lab.Host(1).SocketPath, "/run/wtt-no-agent.sock", StringComparison.Ordinal), "e1", netns);
        Assert.True(dead.ExitCode != 0, $"a dead agent fails the call: {dead}");
        Assert.Equal(11, dead.Code);
        Assert.Contains("/run/wtt-no-agent.sock", dead.Json.GetProperty("msg").GetString(), StringComparison.Ordinal);
        // Nothing of the refused calls stayed behind.
        using var h1 = Lab.Client(1);
        Assert.DoesNotContain(await h1.ListSandboxesAsync(), s => s.Endpoints.Any(e => e.Network == net));
    }
}
