using Weft.Lab;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>Three lab hosts with both Docker and Podman (`weft lab up --docker --podman`).</summary>
public sealed class MixedEnginesLab : IAsyncLifetime
{
    public LabFixture Lab { get; private set; } = null!;

    public async Task InitializeAsync() => Lab = await LabFixture.UpAsync(3, hostTtl: TimeSpan.FromSeconds(5), docker: true, podman: true);

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}

/// <summary>One Weft network carrying a Podman container (CNI), a Docker container (the remote driver) and a `weft run` sandbox.</summary>
[RequiresRoot]
public sealed class MixedEnginesEndToEndTests(MixedEnginesLab fixture) : IClassFixture<MixedEnginesLab>
{
    private LabFixture Lab => fixture.Lab;

    [Fact]
    public async Task A_podman_a_docker_container_and_a_weft_sandbox_on_three_hosts_ping_each_other_by_name()
    {
        await WeftOkAsync(1, "network", "create", "mixed", "--subnet", "10.0.46.0/24");
        await WeftOkAsync(1, "cni", "config", "mixed", "--install", LabPodman.ConfigDirectory(Lab.Host(1)));
        await LabFixture.EventuallyAsync(async () => (await Lab.DockerAsync(2, "network", "inspect", "mixed")).ExitCode == 0, "network mixed in host2's Docker", 20);

        await Lab.PodmanOkAsync(1, "run", "-d", "--name", "pc", "--network", "mixed", BusyboxImage.Name, "sleep", "100000");
        await Lab.DockerOkAsync(2, "run", "-d", "--name", "dc", "--net", "mixed", "busybox", "sleep", "100000");
        await WeftOkAsync(3, "run", "-d", "--name", "wc", "--network", "mixed", "--", "sleep", "infinity");

        var pings = new (string From, Func<string, Task<(int ExitCode, string Output)>> Ping, string[] Targets)[]
        {
            ("pc (Podman, host1)", target => Lab.PodmanAsync(1, "exec", "pc", "ping", "-c", "1", "-W", "2", target), ["dc", "wc"]),
            ("dc (Docker, host2)", target => Lab.DockerAsync(2, "exec", "dc", "ping", "-c", "1", "-W", "2", target), ["pc", "wc"]),
            ("wc (weft run, host3)", target => Lab.ExecAsync(3, "wc", "ping", "-c", "1", "-W", "2", target), ["pc", "dc"]),
        };
        foreach (var (from, ping, targets) in pings)
        {
            foreach (var target in targets)
            {
                // Each host's DNS learns the others' names from the store a moment after they start.
                await LabFixture.EventuallyAsync(async () => (await ping(target)).ExitCode == 0, $"{from} pings {target} by name", 20);
            }
        }
        // And by the network-qualified name, which every engine's search path also resolves.
        Assert.Equal(0, (await Lab.PodmanAsync(1, "exec", "pc", "ping", "-c", "1", "-W", "2", "dc.mixed")).ExitCode);
        Assert.Equal(0, (await Lab.DockerAsync(2, "exec", "dc", "ping", "-c", "1", "-W", "2", "pc.mixed")).ExitCode);
    }

    private async Task<string> WeftOkAsync(int host, params string[] args)
    {
        var (code, output) = await Lab.WeftAsync(host, args);
        return code == 0 ? output.Trim() : throw new InvalidOperationException($"weft {string.Join(' ', args)} on host{host}: exit {code}: {output.Trim()}");
    }
}
