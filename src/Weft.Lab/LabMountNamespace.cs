using System.Diagnostics;
using Weft.Linux.Namespaces;

namespace Weft.Lab;

/// <summary>
/// A lab host's persistent mount namespace, pinned on a file, in which its container engines (dockerd, Podman) and its
/// agent all run: runc needs a sysfs of the host's network namespace with the cgroup tree on top (`ip netns exec`
/// hides it), per-host configuration is bound over the machine's paths here, and the agent must see the namespace files
/// the engines mount for their containers. Pinned on a file, it outlives every daemon restart (see ENGINES.md).
/// </summary>
public static class LabMountNamespace
{
    public static string PathOf(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return System.IO.Path.Combine(host.Directory, "mnt");
    }

    public static bool Exists(LabHost host) => File.Exists(PathOf(host));

    /// <summary>Makes the lab's directory a private mount, so mount namespaces can be pinned on files in it.</summary>
    public static async Task MakePrivateAsync(string labDirectory, CancellationToken ct)
    {
        if (!IsMountPoint(labDirectory))
        {
            await RunAsync(["mount", "--bind", labDirectory, labDirectory], ct);
        }
        await RunAsync(["mount", "--make-private", labDirectory], ct);
    }

    /// <summary>Creates the host's mount namespace with sysfs and the cgroup tree as runc needs them (once per host).</summary>
    public static async Task CreateAsync(LabHost host, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        var mnt = PathOf(host);
        if (File.Exists(mnt))
        {
            return;
        }
        var aside = System.IO.Path.Combine(host.Directory, "cgroup-aside");
        Directory.CreateDirectory(aside);
        await File.WriteAllBytesAsync(mnt, [], ct);
        // Propagation stays as it is, so the namespace directory (a shared mount of its own) stays shared with the root
        // namespace: the namespaces the host's agent and engines mount there are seen by `weft exec` and by the lab from
        // outside. What this host mounts for itself (sysfs, configuration) goes on mounts made private first.
        await RunAsync(["unshare", $"--mount={mnt}", "--propagation", "unchanged", "true"], ct);
        await RunAsync(["nsenter", $"--mount={mnt}", $"--net={System.IO.Path.Combine(NetworkNamespace.DefaultRunDirectory, host.Namespace)}", "sh", "-c", """
            set -e
            mount --make-rprivate /sys
            mount --rbind /sys/fs/cgroup "$1"
            mount -t sysfs sysfs /sys
            mount --move "$1" /sys/fs/cgroup
            """, "wtt-lab-mnt", aside], ct);
    }

    /// <summary>Binds <paramref name="source"/> over <paramref name="target"/> inside the host's mount namespace only.</summary>
    public static Task BindAsync(LabHost host, string source, string target, CancellationToken ct) =>
        RunAsync(["nsenter", $"--mount={PathOf(host)}", "sh", "-c", """
            set -e
            mount --make-private "$(findmnt -n -o TARGET --target "$2")"
            mount --bind "$1" "$2"
            """, "wtt-lab-bind", source, target], ct);

    /// <summary>The command that runs <paramref name="command"/> in the host's mount namespace (its network namespace is the caller's).</summary>
    public static IReadOnlyList<string> InHost(LabHost host, IReadOnlyList<string> command) => ["nsenter", $"--mount={PathOf(host)}", "--", .. command];

    private static bool IsMountPoint(string path) =>
        File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal) == path);

    private static async Task RunAsync(IReadOnlyList<string> argv, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new LabException($"{argv[0]} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var output = (await stdout) + (await stderr);
        if (p.ExitCode != 0)
        {
            throw new LabException($"{string.Join(' ', argv)}: exit {p.ExitCode}: {output.Trim()}");
        }
    }
}
