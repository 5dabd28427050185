using System.Globalization;
using Weft.Api;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Store;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// One lab of three hosts, each with a real dockerd (Debian's docker.io) that has the host's agent as its `weft` network
/// and IPAM plugin; shared by the tests of a class, each on networks and containers of its own.
/// </summary>
public sealed class DockerLab : IAsyncLifetime
{
    public LabFixture Lab { get; private set; } = null!;

    /// <summary>Agents free what Docker left behind after this long (the default is a minute), so a test can watch it happen.</summary>
    public const int CollectGraceSeconds = 4;

    public async Task InitializeAsync() =>
        Lab = await LabFixture.UpAsync(3, hostTtl: TimeSpan.FromSeconds(5), docker: true,
            agentArguments: ["--docker-gc-grace", CollectGraceSeconds.ToString(CultureInfo.InvariantCulture)]);

    public async Task DisposeAsync() => await Lab.DisposeAsync();

    /// <summary>`docker network create -d weft --ipam-driver weft ARGS NAME` on host <paramref name="host"/>, then waits until every host's Docker has it.</summary>
    public async Task CreateNetworkAsync(int host, string name, params string[] args)
    {
        await Lab.DockerOkAsync(host, ["network", "create", "-d", "weft", "--ipam-driver", "weft", .. args, name]);
        for (var i = 1; i <= Lab.State.Hosts.Count; i++)
        {
            var h = i;
            await LabFixture.EventuallyAsync(async () => (await Lab.DockerAsync(h, "network", "inspect", name)).ExitCode == 0,
                $"network {name} in the Docker of {Lab.Host(h).Name}", 20);
        }
    }

    /// <summary>`docker run -d ARGS busybox sleep` on host <paramref name="host"/>: a container that stays up.</summary>
    public Task<string> RunAsync(int host, string name, params string[] args) =>
        Lab.DockerOkAsync(host, ["run", "-d", "--name", name, .. args, "busybox", "sleep", "100000"]);

    /// <summary>
    /// A POST straight to host <paramref name="host"/>'s Docker Engine API (v1.41, Docker 20.10's), for what the docker CLI
    /// of the day cannot say to an old daemon: a newer CLI sends `--mac-address` only per network (API 1.44).
    /// </summary>
    public async Task<string> PostDockerApiAsync(int host, string path, string json)
    {
        var socket = LabDocker.Socket(Lab.Host(host));
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await s.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket), ct);
                return new System.Net.Sockets.NetworkStream(s, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/v1.41/") };
        using var body = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"POST {path} on {Lab.Host(host).Name}: {(int)response.StatusCode} {text}");
    }

    /// <summary>Pings from inside a container; true when replies came.</summary>
    public async Task<bool> PingAsync(int host, string container, string target, int count = 2) =>
        (await Lab.DockerAsync(host, "exec", container, "ping", "-c", count.ToString(CultureInfo.InvariantCulture), "-W", "2", target)).ExitCode == 0;

    /// <summary>Pings until a reply comes (a name Weft learns from dockerd just after the join resolves a moment later).</summary>
    public Task EventuallyPingsAsync(int host, string container, string target) =>
        LabFixture.EventuallyAsync(() => PingAsync(host, container, target, 1), $"{container} on {Lab.Host(host).Name} pings {target}", 20);

    public async Task<string> AddressOfAsync(int host, string container, string network) =>
        await Lab.DockerOkAsync(host, "inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}", container);

    /// <summary>The cluster as its store holds it, read directly (not through an agent).</summary>
    public async Task<ClusterSnapshot> StoreAsync()
    {
        await using var store = await ClusterStore.OpenAsync(Lab.State.StoreUrl);
        return ClusterSnapshot.FromListing(await store.ListAsync(ClusterKeys.Root));
    }

    /// <summary>
    /// What a failed or finished Docker operation must not leave in the store: addresses held for Docker but never used,
    /// allocations of endpoints that do not exist, endpoints of sandboxes that do not exist, Docker sandboxes with no endpoint.
    /// </summary>
    public async Task<List<string>> LeftoversAsync()
    {
        await using var store = await ClusterStore.OpenAsync(Lab.State.StoreUrl);
        var listing = await store.ListAsync(ClusterKeys.Root);
        var s = ClusterSnapshot.FromListing(listing);
        var found = new List<string>();
        foreach (var kv in listing.Items.Where(kv => kv.Key.StartsWith(ClusterKeys.Ipam, StringComparison.Ordinal)))
        {
            if (RecordCodec.Allocation(kv.Value) is not { } a)
            {
                continue;
            }
            if (a.OwnerKind == AllocationOwnerKind.Pending)
            {
                found.Add($"pending address {kv.Key}");
            }
            else if (a.OwnerKind == AllocationOwnerKind.Endpoint && !s.Endpoints.ContainsKey(a.OwnerId))
            {
                found.Add($"address {kv.Key} of missing endpoint {a.OwnerId}");
            }
        }
        found.AddRange(s.Endpoints.Values.Where(e => e.SandboxId != e.Id && s.SandboxById(e.SandboxId) is null).Select(e => $"endpoint {e.Id} of missing sandbox"));
        found.AddRange(s.Sandboxes.Values.Where(x => x.Engine == SandboxEngine.Docker && !s.EndpointsOfSandbox(x.Id).Any()).Select(x => $"empty Docker sandbox {x.Name}"));
        return found;
    }
}

/// <summary>
/// The seed experiments with real `docker` commands, on Weft: networks made once and seen on every host, containers
/// on different hosts reaching each other by address, name, alias and hostname, beside `weft run` sandboxes, and
/// Docker's own egress and `-p`.
/// </summary>
[RequiresRoot]
public sealed class DockerEndToEndTests(DockerLab docker) : IClassFixture<DockerLab>
{
    private LabFixture Lab => docker.Lab;

    [Fact]
    public async Task Seed_flows_cross_hosts_by_address_name_alias_and_hostname_with_a_static_ip_and_weft_sandboxes()
    {
        await docker.CreateNetworkAsync(3, "test-net", "--subnet", "10.0.10.0/24");
        using (var h1 = Lab.Client(1))
        {
            var net = await h1.InspectNetworkAsync("test-net");
            Assert.Equal(("overlay", "10.0.10.0/24", "10.0.10.1"), (net.Driver, net.Subnets[0].Subnet, net.Subnets[0].Gateway));
        }

        await docker.RunAsync(2, "shell", "--net", "test-net", "--hostname", "shellbox");
        await docker.RunAsync(3, "shell2", "--net", "test-net", "--ip", "10.0.10.50", "--network-alias", "www");
        using (var h1 = Lab.Client(1))
        {
            await h1.CreateSandboxAsync(new() { Name = "ws", Networks = [new SandboxNetworkSpec("test-net")], Command = ["sleep", "infinity"] });
        }
        Assert.Equal("10.0.10.50", await docker.AddressOfAsync(3, "shell2", "test-net"));
        var shellIp = await docker.AddressOfAsync(2, "shell", "test-net");

        Assert.True(await docker.PingAsync(3, "shell2", shellIp), "shell2 (host3) → shell (host2) by address");
        Assert.True(await docker.PingAsync(2, "shell", "10.0.10.50"), "shell (host2) → shell2 (host3) by its static --ip");
        await docker.EventuallyPingsAsync(3, "shell2", "shell");
        await docker.EventuallyPingsAsync(2, "shell", "www");
        await docker.EventuallyPingsAsync(3, "shell2", "shellbox");
        // Mixed: a Docker container and a weft sandbox, both ways, by name.
        await docker.EventuallyPingsAsync(2, "shell", "ws");
        await LabFixture.EventuallyAsync(async () => (await Lab.ExecAsync(1, "ws", "ping", "-c", "1", "-W", "2", "www")).ExitCode == 0, "ws (host1) pings www", 20);
        Assert.Equal(0, (await Lab.ExecAsync(1, "ws", "ping", "-c", "1", "-W", "2", "shell.test-net")).ExitCode);

        // One pool for every front end: the static address is taken for weft too.
        using (var h1 = Lab.Client(1))
        {
            var e = await Assert.ThrowsAsync<WeftApiException>(() => h1.CreateSandboxAsync(new()
            {
                Name = "thief", Networks = [new SandboxNetworkSpec("test-net", "10.0.10.50")], Command = ["sleep", "infinity"],
            }));
            Assert.Contains("10.0.10.50", e.Message, StringComparison.Ordinal);
            // Every host's inspect shows the Docker containers with their names and hosts.
            var net = await h1.InspectNetworkAsync("test-net");
            Assert.Contains(net.Endpoints, x => x.ContainerName == "shell" && x.Host == Lab.Host(2).Name && x.Address == shellIp);
            Assert.Contains(net.Endpoints, x => x.ContainerName == "shell2" && x.Aliases.Contains("www") && x.Address == "10.0.10.50");
        }
    }

    [Fact]
    public async Task A_network_made_by_weft_reaches_every_Docker_and_docker_network_rm_removes_it_everywhere_once_unused()
    {
        var (code, output) = await Lab.WeftAsync(3, "network", "create", "shared", "--subnet", "10.0.31.0/24");
        Assert.True(code == 0, output);
        await EveryDockerAsync("shared", present: true);
        await docker.RunAsync(2, "user", "--net", "shared");

        // In use by a container on host2: Weft refuses host1's rm. Docker drops its own copy anyway (libnetwork ignores
        // a driver's error on delete), and host1's agent puts it back.
        await Lab.DockerAsync(1, "network", "rm", "shared");
        Assert.Contains("shared", (await docker.StoreAsync()).Networks.Keys);
        await EveryDockerAsync("shared", present: true);
        await docker.RunAsync(1, "later", "--net", "shared");
        Assert.True(await docker.PingAsync(1, "later", await docker.AddressOfAsync(2, "user", "shared")), "host1's copy works again");
        await Lab.DockerOkAsync(1, "rm", "-f", "later");

        await Lab.DockerOkAsync(2, "rm", "-f", "user");
        await Lab.DockerOkAsync(1, "network", "rm", "shared");
        await EveryDockerAsync("shared", present: false);
        Assert.DoesNotContain("shared", (await docker.StoreAsync()).Networks.Keys);
    }

    private async Task EveryDockerAsync(string network, bool present)
    {
        for (var i = 1; i <= Lab.State.Hosts.Count; i++)
        {
            var h = i;
            await LabFixture.EventuallyAsync(async () => (await Lab.DockerAsync(h, "network", "inspect", network)).ExitCode == 0 == present,
                $"network {network} {(present ? "in" : "gone from")} the Docker of {Lab.Host(h).Name}", 20);
        }
    }

    [Fact]
    public async Task A_second_network_connects_and_disconnects_a_running_container()
    {
        await docker.CreateNetworkAsync(1, "front", "--subnet", "10.0.21.0/24");
        await docker.CreateNetworkAsync(2, "back", "--subnet", "10.0.22.0/24");
        await docker.RunAsync(1, "app", "--net", "front");
        await docker.RunAsync(3, "db", "--net", "back");

        await Lab.DockerOkAsync(1, "network", "connect", "--alias", "api", "back", "app");
        var backIp = await docker.AddressOfAsync(1, "app", "back");
        Assert.StartsWith("10.0.22.", backIp, StringComparison.Ordinal);
        Assert.True(await docker.PingAsync(3, "db", backIp), "db (host3) → app's second interface (host1)");
        await docker.EventuallyPingsAsync(3, "db", "api");
        Assert.Contains("eth", await Lab.DockerOkAsync(1, "exec", "app", "ip", "-o", "addr", "show", "to", backIp), StringComparison.Ordinal);

        await Lab.DockerOkAsync(1, "network", "disconnect", "back", "app");
        Assert.Equal("", (await Lab.DockerOkAsync(1, "exec", "app", "ip", "-o", "addr", "show", "to", backIp)).Trim());
        Assert.False(await docker.PingAsync(3, "db", backIp, 1), "the disconnected address answers no more");
        var store = await docker.StoreAsync();
        Assert.DoesNotContain(store.Endpoints.Values, e => e.NetworkName == "back" && e.Address?.ToString() == backIp);
        Assert.Single(store.Endpoints.Values, e => e.NetworkName == "front");
    }

    [Fact]
    public async Task A_published_port_answers_another_host_and_containers_reach_outside_the_overlay()
    {
        await docker.CreateNetworkAsync(2, "pub-net", "--subnet", "10.0.30.0/24");
        await Lab.DockerOkAsync(2, "run", "-d", "--name", "web", "--net", "pub-net", "-p", "8080:80", "busybox",
            "sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 80 -h /www");
        // From host1's own namespace (another machine, as far as host2 can tell), to host2's underlay address.
        var url = $"http://{Lab.Host(2).Address}:8080/";
        await LabFixture.EventuallyAsync(async () => (await Lab.RunOnHostAsync(1, "wget", "-q", "-O", "-", "-T", "2", url)).Output.Contains("hello-from-web", StringComparison.Ordinal),
            $"wget {url} from host1", 20);

        // Egress: host3's underlay address is outside every Weft network; Docker's gateway bridge leads there.
        Assert.True(await docker.PingAsync(2, "web", Lab.Host(3).Address), "web (host2) → host3's underlay address");
        // Internal networks have no way out.
        await docker.CreateNetworkAsync(2, "closed", "--internal", "--subnet", "10.0.31.0/24");
        await docker.RunAsync(2, "hermit", "--net", "closed");
        Assert.False(await docker.PingAsync(2, "hermit", Lab.Host(3).Address, 1), "a container on an --internal network reaches outside");
        using var h3 = Lab.Client(3);
        Assert.True((await h3.InspectNetworkAsync("closed")).Internal);
    }

    [Fact]
    public async Task Options_are_honoured_and_bad_ones_are_refused_by_name_leaving_nothing_behind()
    {
        // --gateway, --ip-range and -o weft.vni reach the Weft network; --mac-address the endpoint.
        await docker.CreateNetworkAsync(3, "ranged", "--subnet", "10.0.40.0/24", "--gateway", "10.0.40.254", "--ip-range", "10.0.40.128/25", "-o", "weft.vni=4242");
        using (var h1 = Lab.Client(1))
        {
            var net = await h1.InspectNetworkAsync("ranged");
            Assert.Equal(("10.0.40.254", "10.0.40.128/25", 4242), (net.Subnets[0].Gateway, net.Subnets[0].IpRange, net.Vni));
        }
        await docker.PostDockerApiAsync(1, "containers/create?name=ranger",
            """{ "Image": "busybox", "Cmd": ["sleep", "100000"], "MacAddress": "02:42:0a:00:28:99", "HostConfig": { "NetworkMode": "ranged" } }""");
        await docker.PostDockerApiAsync(1, "containers/ranger/start", "{}");
        var address = System.Net.IPAddress.Parse(await docker.AddressOfAsync(1, "ranger", "ranged"));
        Assert.True(Core.Addressing.IpNetwork.Parse("10.0.40.128/25").Contains(address), $"{address} is inside --ip-range");
        Assert.Contains("02:42:0a:00:28:99", await Lab.DockerOkAsync(1, "exec", "ranger", "ip", "link", "show", "eth0"), StringComparison.Ordinal);
        Assert.Equal("02:42:0a:00:28:99", (await docker.StoreAsync()).Endpoints.Values.Single(e => e.NetworkName == "ranged").Mac.ToString());
        Assert.True(await docker.PingAsync(1, "ranger", "10.0.40.254"), "ranger → the network's --gateway");

        // An unknown -o is refused by name, and no host keeps the network.
        var (code, output) = await Lab.DockerAsync(2, "network", "create", "-d", "weft", "--ipam-driver", "weft", "--subnet", "10.0.41.0/24", "-o", "colour=blue", "badnet");
        Assert.NotEqual(0, code);
        Assert.Contains("colour", output, StringComparison.Ordinal);
        // A subnet that overlaps a Weft network's.
        (code, output) = await Lab.DockerAsync(2, "network", "create", "-d", "weft", "--ipam-driver", "weft", "--subnet", "10.0.0.0/16", "overlapping");
        Assert.NotEqual(0, code);
        Assert.Contains("overlaps", output, StringComparison.Ordinal);
        // Docker's default IPAM would hand out the same addresses on every host.
        (code, output) = await Lab.DockerAsync(2, "network", "create", "-d", "weft", "--subnet", "10.0.42.0/24", "localipam");
        Assert.NotEqual(0, code);
        Assert.Contains("--ipam-driver weft", output, StringComparison.Ordinal);
        (code, output) = await Lab.DockerAsync(2, "network", "create", "-d", "weft", "--ipam-driver", "weft", "--subnet", "10.0.43.0/24", "--aux-address", "printer=10.0.43.9", "aux");
        Assert.NotEqual(0, code);
        Assert.Contains("aux-address", output, StringComparison.Ordinal);
        // An address another container holds, on another host.
        (code, output) = await Lab.DockerAsync(2, "run", "-d", "--name", "squatter", "--net", "ranged", "--ip", address.ToString(), "busybox", "sleep", "100000");
        Assert.NotEqual(0, code);
        Assert.Contains(address.ToString(), output, StringComparison.Ordinal);

        for (var i = 1; i <= 3; i++)
        {
            var networks = await Lab.DockerOkAsync(i, "network", "ls", "--format", "{{.Name}}");
            Assert.DoesNotContain("badnet", networks, StringComparison.Ordinal);
            Assert.DoesNotContain("overlapping", networks, StringComparison.Ordinal);
            Assert.DoesNotContain("localipam", networks, StringComparison.Ordinal);
            Assert.DoesNotContain("aux", networks.Split('\n'));
        }
        var store = await docker.StoreAsync();
        Assert.DoesNotContain(store.Networks.Keys, n => n is "badnet" or "overlapping" or "localipam" or "aux");
        Assert.Single(store.Endpoints.Values, e => e.NetworkName == "ranged");
        Assert.Empty(await docker.LeftoversAsync());
    }
}

/// <summary>
/// What Docker users meet when something restarts: dockerd (with live-restore) and the agent, alone and together, keep
/// running containers connected; a container removed while its agent was down is cleaned up when the agent returns.
/// </summary>
[RequiresRoot]
public sealed class DockerRestartTests : IAsyncLifetime
{
    private readonly DockerLab _docker = new();

    private LabFixture Lab => _docker.Lab;

    public Task InitializeAsync() => _docker.InitializeAsync();

    public Task DisposeAsync() => _docker.DisposeAsync();

    [Fact]
    public async Task Running_containers_stay_connected_through_dockerd_and_agent_restarts()
    {
        await _docker.CreateNetworkAsync(1, "steady", "--subnet", "10.0.50.0/24");
        await _docker.RunAsync(2, "c2", "--net", "steady");
        await _docker.RunAsync(3, "c3", "--net", "steady");
        await _docker.EventuallyPingsAsync(3, "c3", "c2");
        var c2 = await _docker.AddressOfAsync(2, "c2", "steady");

        await Lab.StopDockerAsync(2);
        Assert.True(await _docker.PingAsync(3, "c3", c2), "c3 → c2 while host2's dockerd is down");
        await Lab.StartDockerAsync(2);
        Assert.True(await _docker.PingAsync(2, "c2", "c3"), "c2 → c3 by name after host2's dockerd restarted");

        Lab.KillAgent(2);
        Assert.True(await _docker.PingAsync(3, "c3", "c2"), "c3 → c2 while host2's agent is down");
        await Lab.StartAgentAsync(2);
        Assert.True(await _docker.PingAsync(2, "c2", "c3"), "c2 → c3 after host2's agent restarted");

        Lab.KillAgent(3);
        await Lab.StopDockerAsync(3);
        await Lab.StartAgentAsync(3);
        await Lab.StartDockerAsync(3);
        Assert.True(await _docker.PingAsync(3, "c3", "c2"), "c3 → c2 after both of host3's restarted");
        // New containers still join, and the survivors were not taken for leftovers (the agents collect every few seconds).
        await Task.Delay(TimeSpan.FromSeconds(DockerLab.CollectGraceSeconds * 2));
        await _docker.RunAsync(1, "c1", "--net", "steady");
        await _docker.EventuallyPingsAsync(1, "c1", "c2");
        Assert.True(await _docker.PingAsync(1, "c1", "c3"));
        Assert.Equal(3, (await _docker.StoreAsync()).Endpoints.Values.Count(e => e.NetworkName == "steady"));
        Assert.Empty(await _docker.LeftoversAsync());
    }

    [Fact]
    public async Task A_container_removed_while_its_agent_is_down_is_cleaned_up_when_the_agent_returns()
    {
        await _docker.CreateNetworkAsync(1, "gone-net", "--subnet", "10.0.60.0/24");
        await _docker.RunAsync(2, "doomed", "--net", "gone-net");
        await _docker.RunAsync(3, "witness", "--net", "gone-net");
        var doomedIp = await _docker.AddressOfAsync(2, "doomed", "gone-net");
        await _docker.EventuallyPingsAsync(3, "witness", "doomed");
        var endpoint = (await _docker.StoreAsync()).Endpoints.Values.Single(e => e.Address?.ToString() == doomedIp);

        Lab.KillAgent(2);
        // Docker cannot reach its plugin: it retries, then removes the container anyway.
        await Lab.DockerOkAsync(2, "rm", "-f", "doomed");
        Assert.Contains(doomedIp, (await _docker.StoreAsync()).Endpoints.Values.Select(e => e.Address?.ToString()));
        await Lab.StartAgentAsync(2);

        await LabFixture.EventuallyAsync(async () => !(await _docker.StoreAsync()).Endpoints.ContainsKey(endpoint.Id), "the removed container's endpoint leaves the store", 30);
        var gateway = KernelNames.NetworkNamespaceName(Lab.Host(2).Name, "gone-net");
        await LabFixture.EventuallyAsync(() => !HasLink(gateway, KernelNames.VethHostName(endpoint.Id)), "its veth leaves host2's bridge", 20);
        Assert.Empty(await _docker.LeftoversAsync());
        // Its address is free again, and the rest of the network carries on.
        await _docker.RunAsync(1, "heir", "--net", "gone-net", "--ip", doomedIp);
        await _docker.EventuallyPingsAsync(3, "witness", "heir");
    }

    private static bool HasLink(string namespaceName, string link)
    {
        if (NetworkNamespace.TryOpen(namespaceName) is not { } ns)
        {
            return false;
        }
        using (ns)
        using (var nl = ns.OpenNetlink())
        {
            return nl.FindLink(link) is not null;
        }
    }
}
