using System.Diagnostics;
using System.Globalization;
using Weft.Linux.Namespaces;

namespace Weft.Lab;

/// <summary>
/// `weft lab up --docker`: a dockerd per lab host, wired to that host's agent as its network and IPAM plugin, with the
/// offline busybox image loaded. How several daemons live on one machine (see ENGINES.md beside DESIGN.md):
/// <list type="bullet">
/// <item>each host has a persistent mount namespace of its own (a bind-mounted namespace file, so it outlives every
/// daemon restart), in which sysfs is mounted afresh (so it shows the host's network namespace, as dockerd needs), the
/// cgroup tree is moved back on top of it, and a per-host directory is bound over /etc/docker, where the spec file of
/// the weft plugin names that host's agent;</item>
/// <item>dockerd and the host's agent both run in that mount namespace (and the host's network namespace), so the
/// agent can open the namespace files Docker mounts for its containers (the SandboxKey);</item>
/// <item>every daemon has its own data root, exec root, socket, pid file and cgroup parent, and the daemon-wide
/// settings Weft needs, `dns: [169.254.53.53]` (the agent's DNS address on the host's loopback) and `live-restore`
/// (containers keep running, with their network, while the daemon restarts), in its own daemon.json.</item>
/// </list>
/// The lab's directory is made a private mount first: a mount namespace can be pinned only on a file whose mount is private.
/// </summary>
public static class LabDocker
{
    public const string Dockerd = "/usr/sbin/dockerd";
    public const string DockerCli = "/usr/bin/docker";

    /// <summary>Where the host's daemon listens; `weft lab exec` sets DOCKER_HOST to it.</summary>
    public static string Socket(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return Path.Combine(Root(host), "docker.sock");
    }

    /// <summary>Where the host's agent serves the weft plugin; the host's /etc/docker/plugins/weft.spec names it.</summary>
    public static string PluginSocket(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return Path.Combine(host.Directory, "run", "docker-plugin.sock");
    }

    public static string LogPath(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return Path.Combine(host.Directory, "dockerd.log");
    }

    /// <summary>The cgroup every container of the host's daemon lives under, in every hierarchy: how `down` finds them.</summary>
    public static string CgroupParent(LabState state, LabHost host)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(host);
        return $"{host.Name}-docker";
    }

    private static string Root(LabHost host) => Path.Combine(host.Directory, "docker");

    /// <summary>Why the lab cannot run Docker here, or null when it can.</summary>
    public static string? Problem() =>
        new[] { Dockerd, DockerCli, BusyboxImage.Busybox, "/usr/bin/nsenter", "/usr/bin/unshare" }.FirstOrDefault(t => !File.Exists(t)) is { } missing
            ? $"{missing} is missing (scripts/setup.sh --tests installs docker.io and busybox)"
            : null;

    /// <summary>The host's /etc/docker, bound in its mount namespace; before its agent starts, since the agent runs inside it too.</summary>
    public static async Task PrepareHostAsync(LabHost host, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        var root = Root(host);
        var etc = Path.Combine(root, "etc");
        Directory.CreateDirectory(Path.Combine(etc, "plugins"));
        await File.WriteAllTextAsync(Path.Combine(etc, "plugins", "weft.spec"), $"unix://{PluginSocket(host)}\n", ct);
        await File.WriteAllTextAsync(Path.Combine(root, "daemon.json"), """{ "dns": ["169.254.53.53"], "live-restore": true }""" + "\n", ct);
        await LabMountNamespace.CreateAsync(host, ct);
        await LabMountNamespace.BindAsync(host, etc, "/etc/docker", ct);
    }

    /// <summary>Starts the host's dockerd and returns its pid; <see cref="WaitReadyAsync"/> then waits for it.</summary>
    public static int Start(LabState state, LabHost host)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(host);
        var root = Root(host);
        using var ns = NetworkNamespace.Open(host.Namespace);
        return LabProcesses.StartDetached(ns, LabMountNamespace.InHost(host,
        [
            Dockerd, "--config-file", Path.Combine(root, "daemon.json"),
            "--data-root", Path.Combine(root, "data"), "--exec-root", Path.Combine(root, "exec"),
            "--pidfile", Path.Combine(root, "docker.pid"), "-H", $"unix://{Socket(host)}",
            "--storage-driver", "overlay2", "--cgroup-parent", $"/{CgroupParent(state, host)}",
            // docker0 and docker_gwbridge stay inside 10.99/16, clear of the lab's underlay and of Weft's 10.10/16 pool.
            "--bip", "10.99.0.1/24", "--default-address-pool", "base=10.99.128.0/17,size=24",
        ]), LogPath(host));
    }

    /// <summary>Waits until the host's dockerd answers, then loads the busybox image into it (unless <paramref name="imageTar"/> is null: a restart).</summary>
    public static async Task WaitReadyAsync(LabHost host, int pid, string? imageTar, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!LabProcesses.IsAlive(pid))
            {
                throw new LabException($"dockerd of {host.Name} exited; its log {LogPath(host)} ends with: {Tail(LogPath(host))}");
            }
            var (code, _) = await DockerAsync(host, ["version", "--format", "{{.Server.Version}}"], ct);
            if (code == 0)
            {
                break;
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new LabException($"dockerd of {host.Name} does not answer on {Socket(host)} after 60 s; see {LogPath(host)}");
            }
            await Task.Delay(200, ct);
        }
        if (imageTar is null)
        {
            return;
        }
        var (imported, output) = await DockerAsync(host, ["import", "-c", "CMD [\"/bin/sh\"]", "-c", "ENV PATH=/bin", imageTar, BusyboxImage.Name], ct);
        if (imported != 0)
        {
            throw new LabException($"docker import on {host.Name}: {output}");
        }
    }

    /// <summary>The docker CLI against the host's daemon, kept off the user's ~/.docker and any DOCKER_HOST or context.</summary>
    public static IReadOnlyDictionary<string, string> CliEnvironment(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = $"unix://{Socket(host)}",
            ["DOCKER_CONFIG"] = Path.Combine(Root(host), "cli"),
            ["DOCKER_CONTEXT"] = "",
        };
    }

    /// <summary>SIGTERM to the host's dockerd, then a wait for it to exit (SIGKILL after 30 s). Its containers live on (live-restore).</summary>
    public static async Task StopAsync(LabHost host, int pid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!LabProcesses.IsAlive(pid))
        {
            return;
        }
        await RunOkAsync(["kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture)], ct);
        var clock = Stopwatch.StartNew();
        while (LabProcesses.IsAlive(pid))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                LabProcesses.Kill([pid]);
                break;
            }
            await Task.Delay(100, ct);
        }
    }

    /// <summary>
    /// Ends the host's daemon and everything it ran: its containers by their cgroup (they live in namespaces of their own),
    /// then the daemon, then the cgroups and the mount namespace. Nothing is signalled that is not in those cgroups or the
    /// daemon's recorded pid.
    /// </summary>
    public static void Down(LabState state, LabHost host)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(host);
        var cgroups = Cgroups(CgroupParent(state, host));
        LabProcesses.Kill(cgroups.SelectMany(ProcessesOf).Distinct());
        if (host.DockerPid is { } pid && LabProcesses.IsAlive(pid))
        {
            LabProcesses.Kill([pid]);
        }
        foreach (var dir in Cgroups(CgroupParent(state, host)))
        {
            try
            {
                Directory.Delete(dir, recursive: false); // rmdir: a cgroup's control files cannot be unlinked
            }
            catch (IOException)
            {
                // Still busy: a process the daemon started late; the lab's sweep of its namespaces gets it.
            }
        }
    }

    /// <summary>Every cgroup directory of <paramref name="parent"/> in every hierarchy, deepest first.</summary>
    private static List<string> Cgroups(string parent)
    {
        var found = new List<string>();
        if (!Directory.Exists("/sys/fs/cgroup"))
        {
            return found;
        }
        foreach (var hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
        {
            var root = Path.Combine(hierarchy, parent);
            if (Directory.Exists(root))
            {
                found.AddRange(Directory.GetDirectories(root, "*", SearchOption.AllDirectories));
                found.Add(root);
            }
        }
        return [.. found.OrderByDescending(d => d.Count(c => c == '/'))];
    }

    private static IEnumerable<int> ProcessesOf(string cgroup)
    {
        var procs = Path.Combine(cgroup, "cgroup.procs");
        if (!File.Exists(procs))
        {
            return [];
        }
        try
        {
            return [.. File.ReadAllLines(procs).Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0).Where(p => p > 0)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    public static async Task<(int Code, string Output)> DockerAsync(LabHost host, IReadOnlyList<string> args, CancellationToken ct)
    {
        var environment = CliEnvironment(host);
        return await RunAsync([DockerCli, .. args], ct, environment, mayFail: true);
    }

    private static async Task<(int Code, string Output)> RunAsync(IReadOnlyList<string> argv, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null, bool mayFail = false)
    {
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi) ?? throw new LabException($"{argv[0]} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var output = (await stdout) + (await stderr);
        return p.ExitCode == 0 || mayFail ? (p.ExitCode, output) : throw new LabException($"{string.Join(' ', argv)}: exit {p.ExitCode}: {output.Trim()}");
    }

    private static Task<(int Code, string Output)> RunOkAsync(IReadOnlyList<string> argv, CancellationToken ct) => RunAsync(argv, ct, null, mayFail: false);

    private static string Tail(string path)
    {
        try
        {
            return string.Join(" | ", File.ReadLines(path).TakeLast(3));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
