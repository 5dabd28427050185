using System.Globalization;
using Weft.Lab;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// A containerd (Debian's 1.6) of the test's own inside lab host 1: its own root, state and socket under the host's
/// directory, started in the host's network and mount namespaces (runc needs the host's sysfs and cgroup tree, as for
/// Podman), the lab's busybox image moved over from the host's Podman (`podman save` output imports into `ctr`).
/// containerd appears only here, as the CNI issue says: Weft ships no containerd configuration.
/// <para>
/// `ctr run --cni` has no directory flags: it reads the first file of /etc/cni/net.d and its plugins from /opt/cni/bin.
/// Each `ctr` runs in a private mount namespace of its own (inside the host's) where a directory of the test's is bound
/// over /etc/cni/net.d and a tmpfs over /opt holds cni/bin, a link to the test's plugin directory. The plugin `weft` there
/// is a shell wrapper that records each call's CNI_COMMAND and CNI_NETNS before it runs weft-cni, so the test can see
/// the DEL that containerd sends without a namespace.
/// </para>
/// </summary>
public sealed class ContainerdHost : IAsyncDisposable
{
    private const string Containerd = "/usr/bin/containerd", Ctr = "/usr/bin/ctr";

    // Run by `sh -c` in the ctr's own mount namespace: $1 the plugin directory, $2 the conflist directory, $3 the socket.
    private const string CtrInPrivateMounts = """
        set -e
        mount -t tmpfs wtt-ctr-opt /opt
        mkdir -p /opt/cni
        ln -s "$1" /opt/cni/bin
        mount --bind "$2" /etc/cni/net.d
        a=$3; shift 3
        exec /usr/bin/ctr -a "$a" "$@"
        """;

    private readonly LabFixture _lab;
    private readonly int _host;
    private readonly string _root;
    private int? _pid;

    private ContainerdHost(LabFixture lab, int host)
    {
        _lab = lab;
        _host = host;
        _root = Path.Combine(lab.Host(host).Directory, "containerd");
    }

    /// <summary>Where `weft cni config NETWORK --install` puts the conflist this containerd's `ctr run --cni` uses.</summary>
    public string ConfigDirectory => Path.Combine(_root, "net.d");

    private string PluginDirectory => Path.Combine(_root, "cni-bin");

    private string Socket => Path.Combine(_root, "containerd.sock");

    /// <summary>One line per plugin call: "COMMAND netns=CNI_NETNS".</summary>
    public string CallLog => Path.Combine(_root, "cni-calls.log");

    /// <summary>The image `ctr run` uses: the lab's busybox as Podman names it.</summary>
    public const string Image = "localhost/busybox:latest";

    /// <summary>Starts containerd on host <paramref name="host"/> of a lab made with podman: true, and imports the busybox image.</summary>
    public static async Task<ContainerdHost> StartAsync(LabFixture lab, int host)
    {
        var containerd = new ContainerdHost(lab, host);
        try
        {
            await containerd.StartAsync();
            return containerd;
        }
        catch
        {
            await containerd.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        Directory.CreateDirectory(ConfigDirectory);
        Directory.CreateDirectory(PluginDirectory);
        await File.WriteAllTextAsync(Path.Combine(PluginDirectory, "weft"), $"""
            #!/bin/sh
            echo "$CNI_COMMAND netns=$CNI_NETNS" >> {CallLog}
            exec {CniPlugin.Path} "$@"

            """);
        File.SetUnixFileMode(Path.Combine(PluginDirectory, "weft"), (UnixFileMode)0b111_101_101);
        foreach (var reference in new[] { "portmap", "loopback" })
        {
            File.CreateSymbolicLink(Path.Combine(PluginDirectory, reference), Path.Combine(LabPodman.ReferencePlugins, reference));
        }
        var config = Path.Combine(_root, "config.toml");
        await File.WriteAllTextAsync(config, $"""
            version = 2
            root = "{Path.Combine(_root, "root")}"
            state = "{Path.Combine(_root, "state")}"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Socket}"
            [ttrpc]
              address = "{Socket}.ttrpc"

            """);
        using (var ns = Linux.Namespaces.NetworkNamespace.Open(_lab.Host(_host).Namespace))
        {
            _pid = LabProcesses.StartDetached(ns, LabMountNamespace.InHost(_lab.Host(_host), [Containerd, "--config", config]), Path.Combine(_root, "containerd.log"));
        }
        await LabFixture.EventuallyAsync(async () => (await CtrAsync("version")).ExitCode == 0, $"containerd answers on {Socket}", 30);

        var image = Path.Combine(_root, "busybox.tar");
        await _lab.PodmanOkAsync(_host, "save", "-o", image, BusyboxImage.Name);
        await CtrOkAsync("images", "import", image);
    }

    /// <summary>`ctr ARGS` against this containerd, inside the host, with the test's CNI directories in place.</summary>
    public Task<(int ExitCode, string Output)> CtrAsync(params string[] args) =>
        LabDemo.RunInAsync(_lab.HostNamespacePath(_host),
            LabMountNamespace.InHost(_lab.Host(_host), ["unshare", "--mount", "--propagation", "private", "sh", "-c", CtrInPrivateMounts, "wtt-ctr", PluginDirectory, ConfigDirectory, Socket, .. args]),
            CancellationToken.None);

    public async Task<string> CtrOkAsync(params string[] args)
    {
        var (code, output) = await CtrAsync(args);
        return code == 0 ? output.Trim() : throw new InvalidOperationException($"ctr {string.Join(' ', args)}: exit {code}: {output.Trim()}");
    }

    /// <summary>
    /// Kills every task of this containerd and removes its containers (through ctr, so a DEL reaches the agent where a
    /// `ctr run` still waits), stops containerd by its pid, then ends its shims (found by this containerd's socket on
    /// their command line). The directories go with the lab's host directory.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_pid is { } pid && LabProcesses.IsAlive(pid))
        {
            var (_, tasks) = await CtrAsync("tasks", "ls", "-q");
            foreach (var task in tasks.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await CtrAsync("tasks", "kill", "-s", "KILL", task);
                await CtrAsync("tasks", "delete", "-f", task);
            }
            var (_, containers) = await CtrAsync("containers", "ls", "-q");
            foreach (var container in containers.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await CtrAsync("containers", "delete", container);
            }
            LabProcesses.Kill([pid]);
        }
        LabProcesses.Kill(Shims());
    }

    private List<int> Shims()
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0') is var argv
                    && argv[0].Contains("containerd-shim", StringComparison.Ordinal) && argv.Contains(Socket))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It exited while we looked.
            }
        }
        return found;
    }
}

/// <summary>Two lab hosts with Podman (for the mount namespace, the plugin and the image), containerd on host 1.</summary>
public sealed class ContainerdLab : IAsyncLifetime
{
    public LabFixture Lab { get; private set; } = null!;

    public ContainerdHost Containerd { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Lab = await LabFixture.UpAsync(2, hostTtl: TimeSpan.FromSeconds(5), podman: true);
        try
        {
            Containerd = await ContainerdHost.StartAsync(Lab, 1);
        }
        catch
        {
            await Lab.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await Containerd.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

/// <summary>`ctr run --cni` (containerd 1.6) on a Weft network through weft-cni, reaching a `weft run` sandbox on another host.</summary>
[RequiresRoot]
public sealed class ContainerdEndToEndTests(ContainerdLab fixture) : IClassFixture<ContainerdLab>
{
    private LabFixture Lab => fixture.Lab;

    private ContainerdHost Containerd => fixture.Containerd;

    [Fact]
    public async Task Ctr_run_cni_reaches_a_weft_sandbox_on_another_host_and_its_del_without_a_namespace_frees_the_address()
    {
        await WeftOkAsync(1, "network", "create", "ctr-net", "--subnet", "10.0.45.0/24");
        await WeftOkAsync(1, "cni", "config", "ctr-net", "--install", Containerd.ConfigDirectory);
        await WeftOkAsync(2, "run", "-d", "--name", "ws", "--network", "ctr-net", "--", "sleep", "infinity");
        using var h1 = Lab.Client(1);
        using var h2 = Lab.Client(2);
        var wsAddress = (await h2.ListSandboxesAsync()).Single(s => s.Name == "ws").Endpoints[0].Address!;

        // ctr writes no resolv.conf from the CNI result: the user mounts one naming the network's DNS address
        // (`weft network inspect`'s DNS, also the result's dns.nameservers) and the network as search domain.
        var resolv = Path.Combine(Lab.Host(1).Directory, "ctr-resolv.conf");
        await File.WriteAllTextAsync(resolv, "nameserver 10.0.45.1\nsearch ctr-net\n");
        // The container's cgroup is /default/ID in the machine's cgroup tree, so the id carries the lab's unique name.
        var c1 = $"{Lab.State.Name}-c1";
        // Not detached: `ctr run` sends the DEL itself once its task exits (a detached run's network is never torn down).
        var run = Containerd.CtrAsync("run", "--cni", "--rm", "--mount", $"type=bind,src={resolv},dst=/etc/resolv.conf,options=rbind:ro",
            ContainerdHost.Image, c1, "sleep", "300");
        await LabFixture.EventuallyAsync(async () => (await Containerd.CtrAsync("tasks", "ls")).Output.Contains("RUNNING", StringComparison.Ordinal), $"{c1} runs", 30);

        var ctrAddress = (await h1.ListSandboxesAsync(all: true)).Single(s => s.State == "cni").Endpoints.Single(e => e.Network == "ctr-net").Address!;
        var (code, output) = await Containerd.CtrAsync("tasks", "exec", "--exec-id", "ip", c1, "ip", "addr", "show", "eth0");
        Assert.True(code == 0 && output.Contains($"inet {ctrAddress}/24", StringComparison.Ordinal), $"eth0 of the ctr container holds {ctrAddress}: {output}");
        (code, output) = await Containerd.CtrAsync("tasks", "exec", "--exec-id", "p1", c1, "ping", "-c", "1", "-W", "2", wsAddress);
        Assert.True(code == 0, $"the ctr container pings ws ({wsAddress}) on host2 by address: {output}");
        (code, output) = await Containerd.CtrAsync("tasks", "exec", "--exec-id", "p2", c1, "ping", "-c", "1", "-W", "2", "ws");
        Assert.True(code == 0, $"the ctr container pings ws by name through the mounted resolv.conf: {output}");
        Assert.Equal(0, (await Lab.ExecAsync(2, "ws", "ping", "-c", "1", "-W", "2", ctrAddress)).ExitCode);

        await Containerd.CtrOkAsync("tasks", "kill", "-s", "KILL", c1);
        var (runCode, runOutput) = await run;
        Assert.True(runCode is 0 or 137, $"ctr run ended: exit {runCode}: {runOutput}");

        var calls = File.ReadAllLines(Containerd.CallLog);
        Assert.Contains(calls, c => c.StartsWith("ADD netns=/proc/", StringComparison.Ordinal));
        Assert.Contains("DEL netns=", calls);
        Assert.DoesNotContain(await h1.ListSandboxesAsync(all: true), s => s.Endpoints.Any(e => e.Address == ctrAddress));
        Assert.NotEqual(0, (await Lab.ExecAsync(2, "ws", "ping", "-c", "1", "-W", "1", ctrAddress)).ExitCode);
        // The freed address can be taken at once.
        await WeftOkAsync(2, "run", "-d", "--name", "taker", "--network", "ctr-net", "--ip", ctrAddress, "--", "sleep", "infinity");
    }

    private async Task<string> WeftOkAsync(int host, params string[] args)
    {
        var (code, output) = await Lab.WeftAsync(host, args);
        return code == 0 ? output.Trim() : throw new InvalidOperationException($"weft {string.Join(' ', args)} on host{host}: exit {code}: {output.Trim()}");
    }
}
