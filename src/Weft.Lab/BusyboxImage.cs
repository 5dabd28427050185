using System.Diagnostics;
using System.Formats.Tar;

namespace Weft.Lab;

/// <summary>
/// An image for container engines made offline from this machine's own busybox: /usr/bin/busybox as /bin/busybox, a
/// symlink per applet, and the shared libraries `ldd` says it needs, at the same paths. Enough for ping, wget, httpd,
/// nslookup and sleep, and nothing has to be downloaded. Imported under the name <see cref="Name"/>, so `docker run
/// busybox` finds it.
/// </summary>
public static class BusyboxImage
{
    public const string Name = "busybox:latest";
    public const string Busybox = "/usr/bin/busybox";

    /// <summary>
    /// The files the image copies from this machine: its busybox (as /bin/busybox) and the libraries it needs (at their own
    /// paths), each with its path in the image (absolute). A benchmark binds them over the copies, so that a container's
    /// busybox runs the very files a sandbox's does.
    /// </summary>
    public static async Task<IReadOnlyList<(string Source, string Target)>> HostFilesAsync(CancellationToken ct)
    {
        // A static busybox has no libraries: ldd then says "not a dynamic executable" and fails, which is fine.
        var libraries = (await RunAsync(["ldd", Busybox], ct, mayFail: true)).Split('\n')
            .Select(l => l.Split("=>")[^1].Trim().Split(' ')[0])
            .Where(p => p.StartsWith('/') && File.Exists(p));
        return [(Busybox, "/bin/busybox"), .. libraries.Select(l => (l, l))];
    }

    /// <summary>Writes the root file system as a tar to <paramref name="path"/>, for `docker import` or `podman import`.</summary>
    public static async Task WriteAsync(string path, CancellationToken ct)
    {
        var applets = await RunAsync([Busybox, "--list"], ct);
        var files = await HostFilesAsync(ct);

        await using var file = File.Create(path);
        await using var tar = new TarWriter(file, TarEntryFormat.Ustar);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        async Task DirectoryAsync(string dir)
        {
            if (dir.Length == 0 || !directories.Add(dir))
            {
                return;
            }
            await DirectoryAsync(Path.GetDirectoryName(dir) ?? "");
            await tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.Directory, dir + "/") { Mode = (UnixFileMode)0b111_101_101 }, ct);
        }
        async Task FileAsync(string source, string target)
        {
            await DirectoryAsync(Path.GetDirectoryName(target) ?? "");
            await using var data = File.OpenRead(source);
            await tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, target) { Mode = (UnixFileMode)0b111_101_101, DataStream = data }, ct);
        }
        foreach (var (source, target) in files)
        {
            await FileAsync(source, target.TrimStart('/'));
        }
        foreach (var applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(a => a != "busybox"))
        {
            await tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.SymbolicLink, $"bin/{applet}") { LinkName = "busybox" }, ct);
        }
        foreach (var empty in new[] { "tmp", "etc", "proc", "sys", "dev", "var/www" })
        {
            await DirectoryAsync(empty);
        }
    }

    private static async Task<string> RunAsync(IReadOnlyList<string> argv, CancellationToken ct, bool mayFail = false)
    {
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new LabException($"{argv[0]} did not start");
        var output = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return p.ExitCode == 0 || mayFail ? output : throw new LabException($"{string.Join(' ', argv)}: exit {p.ExitCode}");
    }
}
