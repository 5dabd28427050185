using System.Diagnostics;
using Weft.Linux.Namespaces;

namespace Weft.Lab;

/// <summary>
/// `weft lab up --podman`: Podman (Debian's 4.3.1, daemonless) configured per lab host, with Weft's CNI plugin. Each host has:
/// <list type="bullet">
/// <item>its own containers.conf and storage.conf (named by CONTAINERS_CONF and CONTAINERS_STORAGE_CONF, which
/// `weft lab exec` sets): storage root, runroot, tmp dir, events log and file locks of its own (the default shm lock
/// table is machine-wide, and a Podman meeting a fresh tmp dir frees every lock in it), the CNI backend, the runc
/// rlimits this machine needs (ENGINES.md), and no pull from any registry;</item>
/// <item>a plugin directory with the weft-cni binary as `weft` beside the reference `portmap` and `loopback`, and a
/// config directory for the conflists of `weft cni config NETWORK --install DIR`, also bound over /etc/cni/net.d
/// inside the host;</item>
/// <item>the host's mount namespace (<see cref="LabMountNamespace"/>), shared with its agent: Podman mounts each
/// container's network namespace under /run/netns there, and the agent opens that path (CNI_NETNS) on ADD.</item>
/// </list>
/// </summary>
public static class LabPodman
{
    public const string PodmanCli = "/usr/bin/podman";
    public const string ReferencePlugins = "/usr/lib/cni";

    public static string Root(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return Path.Combine(host.Directory, "podman");
    }

    /// <summary>Where the host's Podman reads its networks' conflists: `weft cni config NETWORK --install` writes there.</summary>
    public static string ConfigDirectory(LabHost host) => Path.Combine(Root(host), "net.d");

    /// <summary>Where the host's Podman finds CNI plugins: weft (the weft-cni binary), portmap, loopback.</summary>
    public static string PluginDirectory(LabHost host) => Path.Combine(Root(host), "cni-bin");

    /// <summary>Why the lab cannot run Podman here, or null when it can.</summary>
    public static string? Problem(string? cniPlugin)
    {
        if (new[] { PodmanCli, "/usr/sbin/runc", "/usr/bin/conmon", BusyboxImage.Busybox, Path.Combine(ReferencePlugins, "portmap"), "/usr/bin/nsenter" }
            .FirstOrDefault(t => !File.Exists(t)) is { } missing)
        {
            return $"{missing} is missing (scripts/setup.sh --tests installs podman, containernetworking-plugins and busybox)";
        }
        return cniPlugin is null || !File.Exists(cniPlugin)
            ? $"the CNI plugin weft-cni is not at {cniPlugin ?? "(unset)"} (scripts/publish.sh puts it beside weft)"
            : null;
    }

    /// <summary>The host's Podman configuration and plugin directory; its mount namespace must exist (see <see cref="LabMountNamespace"/>).</summary>
    public static async Task PrepareHostAsync(LabHost host, string cniPlugin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        var root = Root(host);
        var plugins = PluginDirectory(host);
        Directory.CreateDirectory(plugins);
        Directory.CreateDirectory(ConfigDirectory(host));
        // Links, not copies: the lab runs the weft-cni it was given (a JIT build's apphost finds its dll by the link's target).
        foreach (var (name, target) in new[] { ("weft", cniPlugin), ("portmap", Path.Combine(ReferencePlugins, "portmap")), ("loopback", Path.Combine(ReferencePlugins, "loopback")) })
        {
            File.CreateSymbolicLink(Path.Combine(plugins, name), Path.GetFullPath(target));
        }
        await File.WriteAllTextAsync(Path.Combine(root, "containers.conf"), $"""
            [containers]
            default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

            [network]
            network_backend = "cni"
            cni_plugin_dirs = ["{plugins}"]
            network_config_dir = "{ConfigDirectory(host)}"

            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            events_logfile_path = "{Path.Combine(root, "events.log")}"
            tmp_dir = "{Path.Combine(root, "tmp")}"
            lock_type = "file"
            pull_policy = "never"

            """, ct);
        await File.WriteAllTextAsync(Path.Combine(root, "storage.conf"), $"""
            [storage]
            driver = "overlay"
            graphroot = "{Path.Combine(root, "storage")}"
            runroot = "{Path.Combine(root, "run")}"

            """, ct);
        // Podman reads registry credentials from DOCKER_CONFIG's config.json when that is set (a Docker lab sets it) and
        // fails if the file is missing; an auth file of its own keeps it off both.
        await File.WriteAllTextAsync(Path.Combine(root, "auth.json"), "{}\n", ct);
        if (Directory.Exists("/etc/cni/net.d"))
        {
            await LabMountNamespace.BindAsync(host, ConfigDirectory(host), "/etc/cni/net.d", ct);
        }
    }

    /// <summary>What `podman` needs in its environment to use the host's configuration.</summary>
    public static IReadOnlyDictionary<string, string> CliEnvironment(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var root = Root(host);
        return new Dictionary<string, string>
        {
            ["CONTAINERS_CONF"] = Path.Combine(root, "containers.conf"),
            ["CONTAINERS_STORAGE_CONF"] = Path.Combine(root, "storage.conf"),
            ["REGISTRY_AUTH_FILE"] = Path.Combine(root, "auth.json"),
        };
    }

    /// <summary>`podman ARGS` as run inside the host: in its mount namespace (the caller is in its network namespace).</summary>
    public static IReadOnlyList<string> Command(LabHost host, IReadOnlyList<string> args) => LabMountNamespace.InHost(host, [PodmanCli, .. args]);

    /// <summary>Imports the offline busybox image into the host's Podman.</summary>
    public static async Task ImportImageAsync(LabHost host, string imageTar, CancellationToken ct)
    {
        var (code, output) = await RunAsync(host, ["import", "-c", "CMD [\"/bin/sh\"]", "-c", "ENV PATH=/bin", imageTar, BusyboxImage.Name], ct);
        if (code != 0)
        {
            throw new LabException($"podman import on {host.Name}: {output.Trim()}");
        }
    }

    /// <summary>
    /// Removes every container of the host's Podman (their network namespaces are Podman's, outside the lab's names);
    /// while the host's agent still runs, so that each DEL reaches it. Best effort: `down` goes on whatever it says.
    /// </summary>
    public static void Down(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!LabMountNamespace.Exists(host) || !File.Exists(Path.Combine(Root(host), "containers.conf")) || !NetworkNamespace.Exists(host.Namespace))
        {
            return;
        }
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            RunAsync(host, ["rm", "--all", "--force", "--time", "0"], cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is LabException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // The lab's sweep of its namespaces still ends the containers' conmon processes.
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(LabHost host, IReadOnlyList<string> args, CancellationToken ct)
    {
        var argv = Command(host, args);
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in CliEnvironment(host))
        {
            psi.Environment[k] = v;
        }
        using var ns = NetworkNamespace.Open(host.Namespace);
        using var p = ns.StartProcess(psi);
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            throw;
        }
        return (p.ExitCode, (await stdout) + (await stderr));
    }
}
