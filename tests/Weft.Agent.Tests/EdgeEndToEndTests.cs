using System.Net;
using System.Net.Sockets;
using Weft.Api;
using Weft.Core.Model;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// The edge of the host on a lab of two hosts and the lab's outside namespace (the stand-in for the internet): egress
/// behind masquerade, networks kept apart, published ports reached from everywhere a user reaches them from, and Weft's
/// firewall table kept right by the reconciler.
/// </summary>
public sealed class EdgeEndToEndTests : IAsyncLifetime
{
    private LabFixture _lab = null!;
    private readonly string _www = Directory.CreateTempSubdirectory("wte-www-").FullName;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_www, "index.html"), "hello from the sandbox\n");
        _lab = await LabFixture.UpAsync(2);
    }

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        TempDirectories.Remove(_www);
    }

    private string Outside => _lab.Underlay.OutsideAddress.ToString();

    private static CreateSandboxRequest Sleeper(string name, string network) =>
        new() { Name = name, Networks = [new SandboxNetworkSpec(network)], Command = ["sleep", "infinity"] };

    private CreateSandboxRequest WebServer(string name, string network, params string[] ports) => new()
    {
        Name = name,
        Networks = [new SandboxNetworkSpec(network)],
        Command = ["busybox", "httpd", "-f", "-p", "80", "-h", _www],
        Ports = [.. ports.Select(PortMapping.Parse)],
    };

    private static string[] Curl(string url) => ["curl", "-s", "-m", "3", url];

    [Fact]
    public async Task Sandboxes_reach_the_outside_as_their_host_and_networks_stay_apart()
    {
        using var h1 = _lab.Client(1);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "a", Subnets = [new SubnetSpec("10.88.1.0/24")] });
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "b", Subnets = [new SubnetSpec("10.88.2.0/24")] });
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "sealed", Subnets = [new SubnetSpec("10.88.3.0/24")], Internal = true });
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "local", Driver = "bridge", Subnets = [new SubnetSpec("10.88.4.0/24")] });
        var s1 = await h1.CreateSandboxAsync(Sleeper("s1", "a"));
        var s2 = await h1.CreateSandboxAsync(Sleeper("s2", "b"));
        var s3 = await h1.CreateSandboxAsync(Sleeper("s3", "sealed"));
        var s4 = await h1.CreateSandboxAsync(Sleeper("s4", "local"));

        // The outside sees the host's underlay address, never the sandbox's: overlay and bridge alike.
        Assert.Equal(_lab.Host(1).Address, await SourceSeenOutsideAsync(1, "s1"));
        Assert.Equal(_lab.Host(1).Address, await SourceSeenOutsideAsync(1, "s4"));

        // An internal network has no way out; two overlays do not reach each other through the host.
        Assert.False(await LabFixture.PingAsync(s3.NetworkNamespace, Outside), "internal s3 → outside");
        Assert.False(await LabFixture.PingAsync(s1.NetworkNamespace, s2.Endpoints[0].Address!), "overlay a → overlay b");
        Assert.False(await LabFixture.PingAsync(s2.NetworkNamespace, s1.Endpoints[0].Address!), "overlay b → overlay a");
        Assert.False(await LabFixture.PingAsync(s4.NetworkNamespace, s1.Endpoints[0].Address!), "bridge → overlay a");
        Assert.True(await LabFixture.PingAsync(s1.NetworkNamespace, Outside), "and the overlay still reaches the outside");

        await A_legacy_forward_drop_is_met_in_DOCKER_USER_and_another_managers_is_explained(s1.NetworkNamespace, s4.NetworkNamespace);
    }

    /// <summary>
    /// A Docker that uses iptables-legacy keeps its FORWARD DROP in x_tables, where no nft rule helps: Weft keeps its rules
    /// at the top of the legacy DOCKER-USER too. Without DOCKER-USER the DROP is another firewall manager's: Weft leaves it
    /// alone and doctor says what to run. Made by hand in host1's namespace (iptables-legacy works there as on a host).
    /// </summary>
    private async Task A_legacy_forward_drop_is_met_in_DOCKER_USER_and_another_managers_is_explained(string overlaySandbox, string bridgeSandbox)
    {
        async Task<string> Legacy(params string[] arguments)
        {
            var (code, output) = await _lab.RunOnHostAsync(1, ["iptables-legacy", "-w", .. arguments]);
            Assert.True(code == 0, $"iptables-legacy {string.Join(' ', arguments)}: {output}");
            return output;
        }
        await Legacy("-N", "DOCKER-USER");
        await Legacy("-I", "FORWARD", "-j", "DOCKER-USER");
        await Legacy("-P", "FORWARD", "DROP");
        try
        {
            // No notifications from x_tables: the resync (10 s) finds the chain.
            await LabFixture.EventuallyAsync(async () => (await Legacy("-S", "DOCKER-USER")).Contains("-i wu-+ -m comment --comment \"weft: out of wu-*\" -j ACCEPT", StringComparison.Ordinal),
                "Weft's rules at the top of the legacy DOCKER-USER", 15);
            Assert.True(await LabFixture.PingAsync(overlaySandbox, Outside, 2), "overlay → outside through a legacy FORWARD DROP with DOCKER-USER");
            Assert.True(await LabFixture.PingAsync(bridgeSandbox, Outside, 2), "bridge → outside through a legacy FORWARD DROP with DOCKER-USER");
            var doctor = (await _lab.WeftAsync(1, "doctor")).Output;
            Assert.Contains("iptables-legacy's FORWARD chain has policy DROP (a Docker using iptables-legacy", doctor, StringComparison.Ordinal);

            // Another manager's DROP (no DOCKER-USER): left as it is, and explained with the command. Removed in one restore,
            // so no resync can put Weft's rules back in between.
            var (removed, why) = await _lab.RunOnHostAsync(1, "sh", "-c",
                "printf '*filter\\n-D FORWARD -j DOCKER-USER\\n-F DOCKER-USER\\n-X DOCKER-USER\\nCOMMIT\\n' | iptables-legacy-restore -w --noflush");
            Assert.True(removed == 0, why);
            Assert.False(await LabFixture.PingAsync(overlaySandbox, Outside), "Weft does not open another manager's FORWARD DROP");
            doctor = (await _lab.WeftAsync(1, "doctor")).Output;
            Assert.Contains("iptables-legacy's FORWARD chain has policy DROP and no Docker DOCKER-USER chain", doctor, StringComparison.Ordinal);
            Assert.Contains("fix: iptables-legacy -I FORWARD -i wu-+ -j ACCEPT && iptables-legacy -I FORWARD -o wu-+ -j ACCEPT", doctor, StringComparison.Ordinal);
            Assert.Contains("-P FORWARD DROP", await Legacy("-S", "FORWARD"), StringComparison.Ordinal);
        }
        finally
        {
            await _lab.RunOnHostAsync(1, "iptables-legacy", "-w", "-P", "FORWARD", "ACCEPT");
        }
        Assert.True(await LabFixture.PingAsync(overlaySandbox, Outside, 2), "and with the policy back to ACCEPT the overlay reaches the outside");
    }

    /// <summary>Opens a TCP listener on the outside, connects to it from the sandbox, and returns the source address the outside saw.</summary>
    private async Task<string> SourceSeenOutsideAsync(int host, string sandbox)
    {
        using var outside = NetworkNamespace.Open(_lab.Underlay.OutsideNamespace);
        // A socket belongs to the namespace of the thread that made it.
        using var listener = outside.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(_lab.Underlay.OutsideAddress, 0));
            s.Listen();
            return s;
        });
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var accepted = listener.AcceptAsync();
        // curl connects (the listener accepts) and then waits in vain for an answer: only the connection matters here.
        var curl = _lab.ExecAsync(host, sandbox, Curl($"http://{Outside}:{port}/"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var peer = await accepted.WaitAsync(cts.Token);
        using (peer)
        {
            var seen = ((IPEndPoint)peer.RemoteEndPoint!).Address.ToString();
            peer.Close();
            await curl;
            return seen;
        }
    }

    [Fact]
    public async Task A_published_port_answers_from_everywhere_is_exclusive_and_goes_with_its_sandbox()
    {
        using var h1 = _lab.Client(1);
        using var h2 = _lab.Client(2);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "a", Subnets = [new SubnetSpec("10.88.1.0/24")] });
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "b", Subnets = [new SubnetSpec("10.88.2.0/24")] });
        var web = await h1.CreateSandboxAsync(WebServer("web", "a", "8080:80"));
        Assert.Equal("8080->80/tcp", Assert.Single(web.Ports!).ToString());
        Assert.Equal("8080->80/tcp", Assert.Single((await h2.InspectSandboxAsync("web")).Ports!).ToString());
        await h1.CreateSandboxAsync(Sleeper("neighbour", "a"));
        await h1.CreateSandboxAsync(Sleeper("stranger", "b"));
        var url = $"http://{_lab.Host(1).Address}:8080/";
        await LabFixture.EventuallyAsync(async () => (await _lab.RunOnHostAsync(2, Curl(url))).Output.Contains("hello from the sandbox", StringComparison.Ordinal),
            "the published port answers host2", 10);

        Assert.Contains("hello from the sandbox", (await _lab.RunOnHostAsync(1, Curl(url))).Output, StringComparison.Ordinal); // the host itself
        Assert.Contains("hello from the sandbox", (await LabDemo.RunInAsync(OutsidePath, Curl(url), CancellationToken.None)).Output, StringComparison.Ordinal);
        Assert.Contains("hello from the sandbox", (await _lab.ExecAsync(1, "neighbour", Curl(url))).Output, StringComparison.Ordinal); // hairpin
        Assert.Contains("hello from the sandbox", (await _lab.ExecAsync(1, "stranger", Curl(url))).Output, StringComparison.Ordinal); // another network, through the port

        // One host port per host: refused on host1 (even on one address), free on host2.
        var taken = await Assert.ThrowsAsync<WeftApiException>(() => h1.CreateSandboxAsync(WebServer("web2", "a", $"{_lab.Host(1).Address}:8080:80")));
        Assert.Equal("port-taken", taken.Code);
        await h2.CreateSandboxAsync(WebServer("web3", "a", "8080:80"));
        var (code, output) = await _lab.WeftAsync(1, "run", "-d", "--name", "web4", "--net", "a", "-p", "8080:81", "sleep", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("host port 8080/tcp is already published on this host", output, StringComparison.Ordinal);

        // A rule deleted by hand comes back at once: the kernel announces the change, the agent puts the table back.
        Assert.Equal(0, (await _lab.RunOnHostAsync(1, "nft", "flush", "chain", "ip", "weft", "ports")).ExitCode);
        await LabFixture.EventuallyAsync(async () => (await _lab.RunOnHostAsync(1, "nft", "list", "chain", "ip", "weft", "ports")).Output.Contains("dport 8080", StringComparison.Ordinal),
            "the hand-deleted DNAT rule comes back within 2 s", 2);
        Assert.Contains("hello from the sandbox", (await _lab.RunOnHostAsync(2, Curl(url))).Output, StringComparison.Ordinal);

        // After rm the rule is gone, the port answers no more, and it can be published again.
        await h1.RemoveSandboxAsync("web", force: true);
        await LabFixture.EventuallyAsync(async () => !(await _lab.RunOnHostAsync(1, "nft", "list", "table", "ip", "weft")).Output.Contains("dport 8080", StringComparison.Ordinal),
            "the DNAT rule goes with its sandbox", 3);
        Assert.DoesNotContain("hello", (await _lab.RunOnHostAsync(2, Curl(url))).Output, StringComparison.Ordinal);
        await h1.CreateSandboxAsync(WebServer("web5", "a", "8080:80"));
    }

    private string OutsidePath => Path.Combine(NetworkNamespace.DefaultRunDirectory, _lab.Underlay.OutsideNamespace);
}
