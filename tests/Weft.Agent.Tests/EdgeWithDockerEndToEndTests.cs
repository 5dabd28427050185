using Weft.Api;
using Weft.Core.Model;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// The edge of the host where a dockerd runs too: its FORWARD policy is DROP and br_netfilter is on, and a drop in
/// Docker's table is final whatever Weft's own table says. Weft's sandboxes still cross hosts, reach the outside and
/// publish ports, and Docker's own containers on the same overlay keep Docker's egress and `-p`.
/// </summary>
public sealed class EdgeWithDockerEndToEndTests : IAsyncLifetime
{
    private LabFixture _lab = null!;
    private readonly string _www = Directory.CreateTempSubdirectory("wte-www-").FullName;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_www, "index.html"), "hello from the sandbox\n");
        _lab = await LabFixture.UpAsync(2, docker: true);
    }

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        TempDirectories.Remove(_www);
    }

    [Fact]
    public async Task Egress_published_ports_and_cross_host_traffic_survive_Dockers_forward_drop_and_Dockers_own_keep_working()
    {
        // The conditions this test is about.
        Assert.Contains("-P FORWARD DROP", (await _lab.RunOnHostAsync(1, "iptables", "-S", "FORWARD")).Output, StringComparison.Ordinal);
        Assert.Equal("1", (await _lab.RunOnHostAsync(1, "cat", "/proc/sys/net/bridge/bridge-nf-call-iptables")).Output.Trim());

        using var h1 = _lab.Client(1);
        using var h2 = _lab.Client(2);
        await h1.CreateNetworkAsync(new CreateNetworkRequest { Name = "a", Subnets = [new SubnetSpec("10.88.1.0/24")] });
        var web = await h1.CreateSandboxAsync(new CreateSandboxRequest
        {
            Name = "web",
            Networks = [new SandboxNetworkSpec("a")],
            Command = ["busybox", "httpd", "-f", "-p", "80", "-h", _www],
            Ports = [PortMapping.Parse("8080:80")],
        });
        var peer = await h2.CreateSandboxAsync(new CreateSandboxRequest { Name = "peer", Networks = [new SandboxNetworkSpec("a")], Command = ["sleep", "infinity"] });
        var outside = _lab.Underlay.OutsideAddress.ToString();

        Assert.True(await LabFixture.PingAsync(peer.NetworkNamespace, web.Endpoints[0].Address!, 3), "peer (host2) → web (host1) across hosts");
        Assert.True(await LabFixture.PingAsync(web.NetworkNamespace, outside), "web (host1) → the outside");
        Assert.True(await LabFixture.PingAsync(peer.NetworkNamespace, outside), "peer (host2) → the outside");
        var url = $"http://{_lab.Host(1).Address}:8080/";
        await LabFixture.EventuallyAsync(async () => (await _lab.RunOnHostAsync(2, "curl", "-s", "-m", "3", url)).Output.Contains("hello from the sandbox", StringComparison.Ordinal),
            "Weft's published port answers host2", 15);
        Assert.Contains("hello from the sandbox", (await _lab.ExecAsync(2, "peer", "curl", "-s", "-m", "3", url)).Output, StringComparison.Ordinal);

        // Weft's accepts are its own rules, marked, in the chain Docker keeps for others; iptables still reads that chain.
        var dockerUser = await _lab.RunOnHostAsync(1, "iptables", "-S", "DOCKER-USER");
        Assert.Equal(0, dockerUser.ExitCode);
        Assert.Contains("-i wu-+ -m comment --comment \"weft: out of wu-*\" -j ACCEPT", dockerUser.Output, StringComparison.Ordinal);

        // One of them deleted by hand is back at once: the kernel announces the change to DOCKER-USER.
        Assert.Equal(0, (await _lab.RunOnHostAsync(1, "iptables", "-D", "DOCKER-USER", "-i", "wu-+", "-m", "comment", "--comment", "weft: out of wu-*", "-j", "ACCEPT")).ExitCode);
        await LabFixture.EventuallyAsync(async () => (await _lab.RunOnHostAsync(1, "iptables", "-S", "DOCKER-USER")).Output.Contains("--comment \"weft: out of wu-*\" -j ACCEPT", StringComparison.Ordinal),
            "the hand-deleted DOCKER-USER rule comes back within 2 s", 2);

        // A Docker container on the same Weft overlay keeps Docker's own egress and -p (docker_gwbridge and docker-proxy).
        await _lab.DockerOkAsync(1, "network", "create", "-d", "weft", "--ipam-driver", "weft", "--subnet", "10.88.2.0/24", "dnet");
        await _lab.DockerOkAsync(1, "run", "-d", "--name", "dweb", "--net", "dnet", "-p", "8081:80", "busybox",
            "sh", "-c", "mkdir -p /www && echo hello-from-docker > /www/index.html && exec httpd -f -p 80 -h /www");
        var dockerUrl = $"http://{_lab.Host(1).Address}:8081/";
        await LabFixture.EventuallyAsync(async () => (await _lab.RunOnHostAsync(2, "curl", "-s", "-m", "3", dockerUrl)).Output.Contains("hello-from-docker", StringComparison.Ordinal),
            "Docker's published port answers host2", 20);
        Assert.Equal(0, (await _lab.DockerAsync(1, "exec", "dweb", "ping", "-c", "1", "-W", "2", outside)).ExitCode);
    }
}
