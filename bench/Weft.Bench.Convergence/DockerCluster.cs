using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Weft.Lab;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;

namespace Weft.Bench.Convergence;

/// <summary>
/// The peer: Docker 20.10's own legacy overlay, the multi-host networking that `--cluster-store` gave standalone
/// daemons until Docker 23 removed it. Built on this one machine the way a lab is: one network namespace per
/// host on an underlay switch (a bridge in a namespace of its own), one etcd serving the v2 API that Docker's
/// libkv speaks, and one dockerd per host with its own data root, exec root and socket.
/// <para>
/// Each dockerd also gets a UTS namespace with its own hostname (serf names members after the hostname, and three
/// daemons all called after this machine evict each other as "name conflicts") and a private mount namespace
/// with a tmpfs on /run: the daemon's mounts (overlay2 layers, container and overlay namespaces) and the
/// directories it insists on under /run (docker/plugins, containerd/s) never show up on the machine, and vanish
/// with the daemon's last process. `--bridge=none --iptables=false --ip-masq=false`: nothing is done to the
/// machine's firewall or docker0, and any system dockerd is left alone.
/// </para>
/// Everything carries the run's "wtt…" prefix and is removed by <see cref="DisposeAsync"/>, also after a failed start.
/// </summary>
internal sealed partial class DockerCluster : IAsyncDisposable
{
    public const string Dockerd = "/usr/sbin/dockerd";
    /// <summary>Debian's docker.io client, matching the daemon (another `docker` may come first on PATH).</summary>
    public const string DockerCli = "/usr/bin/docker";
    public const string Image = "weft-bench/busybox:local";
    private const int Sigterm = 15;

    private readonly string _prefix;
    private readonly string _directory;
    private readonly IPAddress[] _addresses;
    private readonly IPAddress _storeAddress;
    private readonly List<string> _namespaces = [];
    private readonly Action<string> _say;

    private DockerCluster(string prefix, int hosts, string underlay, Action<string> say)
    {
        _prefix = prefix;
        _say = say;
        _directory = Path.Combine(Path.GetTempPath(), $"{prefix}-docker");
        _addresses = [.. Enumerable.Range(1, hosts).Select(i => IPAddress.Parse($"{underlay}.{i}"))];
        _storeAddress = IPAddress.Parse($"{underlay}.254");
        DaemonPids = new int?[hosts];
    }

    public int Hosts => _addresses.Length;

    public int?[] DaemonPids { get; }

    public IPAddress Address(int host) => _addresses[host - 1];

    public string HostNamespace(int host) => $"{_prefix}-dh{host}";

    private string SwitchNamespace => $"{_prefix}-dsw";

    private string DaemonDirectory(int host) => Path.Combine(_directory, $"d{host}");

    private string Socket(int host) => Path.Combine(DaemonDirectory(host), "docker.sock");

    private string ExecRoot(int host) => Path.Combine(DaemonDirectory(host), "exec");

    private string LogPath(int host) => Path.Combine(DaemonDirectory(host), "dockerd.log");

    private string CgroupParent(int host) => $"{_prefix}-d{host}";

    /// <summary>"Docker version 20.10.24+dfsg1, build 5d6db84", or null with the reason the peer cannot run here.</summary>
    public static async Task<(string? Version, string? Problem)> ProbeAsync(CancellationToken ct)
    {
        foreach (var tool in new[] { Dockerd, DockerCli, BusyboxImage.Busybox, "etcd", "setsid", "unshare", "ldd" })
        {
            if (!(tool.StartsWith('/') ? File.Exists(tool) : OnPath(tool)))
            {
                return (null, $"{tool} is missing (scripts/setup.sh --bench installs docker.io, busybox and etcd-server)");
            }
        }
        var (code, output) = await RunAsync([Dockerd, "--version"], null, ct);
        if (code != 0)
        {
            return (null, $"{Dockerd} --version failed: {output}");
        }
        // --cluster-store and --cluster-advertise were removed in Docker 23.0.
        var digits = output.Replace("Docker version ", "", StringComparison.Ordinal).Split('.')[0];
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var major) && major < 23
            ? (output.Trim(), null)
            : (null, $"{output.Trim()}: the legacy overlay (--cluster-store) was removed in Docker 23; the peer needs Debian 12's docker.io 20.10");
    }

    /// <summary>Builds the underlay, starts etcd and the daemons, and loads the image; on failure removes what it made.</summary>
    public static async Task<DockerCluster> StartAsync(string prefix, int hosts, string underlay, Action<string> say, CancellationToken ct)
    {
        var cluster = new DockerCluster(prefix, hosts, underlay, say);
        try
        {
            await cluster.StartCoreAsync(ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_directory);
        BuildUnderlay();

        using (var sw = NetworkNamespace.Open(SwitchNamespace))
        {
            var url = $"http://{_storeAddress}:2379";
            StartDetached(sw, Path.Combine(_directory, "etcd.log"), null,
            [
                "etcd", "--name", "peer", "--data-dir", Path.Combine(_directory, "etcd"),
                // Docker's libkv etcd backend speaks the v2 API, which etcd 3.4 serves only when asked to.
                "--enable-v2=true",
                "--listen-client-urls", url, "--advertise-client-urls", url,
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "peer=http://127.0.0.1:2380",
            ]);
            await EventuallyAsync(() => EtcdV2Ready(sw, _storeAddress), "etcd answers its v2 API", TimeSpan.FromSeconds(30), ct);
        }

        var config = Path.Combine(_directory, "daemon.json");
        // An empty config of its own, so a /etc/docker/daemon.json meant for the system daemon cannot interfere.
        await File.WriteAllTextAsync(config, "{}\n", ct);
        var storage = new DriveInfo(_directory).DriveFormat is "overlay" or "overlayfs" ? "vfs" : "overlay2";
        for (var h = 1; h <= Hosts; h++)
        {
            Directory.CreateDirectory(DaemonDirectory(h));
            using var ns = NetworkNamespace.Open(HostNamespace(h));
            var pid = StartDetached(ns, LogPath(h), ($"{_prefix}-h{h}", $"{_prefix}-run"),
            [
                Dockerd, "--config-file", config,
                "--data-root", Path.Combine(DaemonDirectory(h), "root"), "--exec-root", ExecRoot(h),
                "--pidfile", Path.Combine(DaemonDirectory(h), "docker.pid"), "-H", $"unix://{Socket(h)}",
                "--bridge=none", "--iptables=false", "--ip-masq=false", "--storage-driver", storage,
                "--cgroup-parent", $"/{CgroupParent(h)}",
                "--cluster-store", $"etcd://{_storeAddress}:2379", "--cluster-advertise", $"{Address(h)}:2376",
            ]);
            DaemonPids[h - 1] = pid;
        }
        for (var h = 1; h <= Hosts; h++)
        {
            var host = h;
            await EventuallyAsync(async () =>
            {
                if (!IsAlive(DaemonPids[host - 1]!.Value))
                {
                    throw new InvalidOperationException($"dockerd of host {host} exited: {Tail(LogPath(host))}");
                }
                return (await DockerAsync(host, ["version", "--format", "{{.Server.Version}}"], ct)).Code == 0;
            }, $"dockerd of host {host} answers on {Socket(host)}", TimeSpan.FromSeconds(60), ct);
        }
        // The overlay driver's serf cluster: every daemon must have seen every other join before a trial means anything.
        await EventuallyAsync(() => Enumerable.Range(1, Hosts).All(h =>
        {
            var log = File.ReadAllText(LogPath(h));
            return Enumerable.Range(1, Hosts).All(o => log.Contains($"EventMemberJoin: {_prefix}-h{o} ", StringComparison.Ordinal));
        }), "every dockerd's serf sees all hosts", TimeSpan.FromSeconds(30), ct);

        var tar = Path.Combine(_directory, "busybox.tar");
        await BusyboxImage.WriteAsync(tar, ct);
        for (var h = 1; h <= Hosts; h++)
        {
            await DockerOkAsync(h, ["import", tar, Image], ct);
        }
        _say($"  Docker: {Hosts} dockerd ({storage}) on {string.Join(", ", _addresses.Select(a => a.ToString()))}, etcd v2 on {_storeAddress}:2379, image {Image} imported");
    }

    /// <summary>Runs the docker CLI against host <paramref name="host"/>'s daemon, from inside that host.</summary>
    public async Task<(int Code, string Output, long Started, long Returned)> DockerAsync(int host, IReadOnlyList<string> args, CancellationToken ct)
    {
        using var ns = NetworkNamespace.Open(HostNamespace(host));
        return await Trials.RunInAsync(ns, [DockerCli, "-H", $"unix://{Socket(host)}", .. args], CliEnvironment, ct);
    }

    public async Task<string> DockerOkAsync(int host, IReadOnlyList<string> args, CancellationToken ct)
    {
        var (code, output, _, _) = await DockerAsync(host, args, ct);
        return code == 0 ? output : throw new InvalidOperationException($"docker {string.Join(' ', args)} on host {host}: exit {code}: {output}\n{await DescribeAsync(host)}");
    }

    /// <summary>For an error message: whether the namespaces are still there, host <paramref name="host"/>'s addresses and routes, its daemon's last log lines.</summary>
    public async Task<string> DescribeAsync(int host)
    {
        var lines = new List<string>();
        foreach (var ns in _namespaces)
        {
            lines.Add($"  netns {ns}: {(NetworkNamespace.Exists(ns) ? "present" : "MISSING")}");
        }
        var pid = DaemonPids[host - 1];
        lines.Add($"  dockerd of host {host} (pid {pid}): {(pid is { } p && IsAlive(p) ? "running" : "GONE")}");
        foreach (var what in new[] { "addr", "route" })
        {
            var (_, output) = await RunAsync(["ip", "-n", HostNamespace(host), "-br", what], null, CancellationToken.None);
            lines.Add($"  ip -n {HostNamespace(host)} {what}: {output.Replace('\n', ';')}");
        }
        var (_, links) = await RunAsync(["ip", "-n", SwitchNamespace, "-br", "link"], null, CancellationToken.None);
        lines.Add($"  ip -n {SwitchNamespace} link: {links.Replace('\n', ';')}");
        lines.Add($"  dockerd log of host {host}: {Tail(LogPath(host), 8)}");
        return string.Join('\n', lines);
    }

    /// <summary>Keeps the CLI off the user's ~/.docker and any DOCKER_HOST or context.</summary>
    private Dictionary<string, string> CliEnvironment => new()
    {
        ["DOCKER_CONFIG"] = Path.Combine(_directory, "cli"),
        ["DOCKER_HOST"] = "",
        ["DOCKER_CONTEXT"] = "",
    };

    /// <summary>
    /// Host <paramref name="host"/>'s namespace for the overlay network <paramref name="networkId"/> ("N-&lt;id[:10]&gt;"
    /// under its exec root, N counting how often it was made). Docker bind-mounts it inside the daemon's private mount
    /// namespace, so it is reached through the daemon's /proc/PID/root.
    /// </summary>
    public string OverlayNamespacePath(int host, string networkId)
    {
        var directory = $"/proc/{DaemonPids[host - 1]}/root{ExecRoot(host)}/netns";
        var found = Directory.GetFiles(directory, $"*-{networkId[..10]}");
        return found.Length == 1 ? found[0] : throw new InvalidOperationException($"host {host}: {found.Length} overlay namespaces for network {networkId[..12]} in {directory}");
    }

    public async ValueTask DisposeAsync()
    {
        var problems = new List<string>();
        void Try(string what, Action step)
        {
            try
            {
                step();
            }
#pragma warning disable CA1031 // Teardown goes on past a failed step; each failure is reported at the end.
            catch (Exception e)
#pragma warning restore CA1031
            {
                problems.Add($"{what}: {e.Message}");
            }
        }

        // 1. Containers first, with SIGKILL: a daemon told to stop would give each `sleep` (which ignores SIGTERM
        //    as pid 1) ten seconds. Then the daemons, which stop their containerd and shims.
        var live = Enumerable.Range(1, Hosts).Where(h => DaemonPids[h - 1] is { } pid && IsAlive(pid)).ToList();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await Task.WhenAll(live.Select(async h =>
            {
                try
                {
                    var ids = (await DockerAsync(h, ["ps", "-aq"], limit.Token)).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    if (ids.Length > 0)
                    {
                        await DockerAsync(h, ["rm", "-f", .. ids], limit.Token);
                    }
                }
#pragma warning disable CA1031 // Best effort: whatever is left is killed below.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }));
        }
        foreach (var h in live)
        {
            _ = Kill(DaemonPids[h - 1]!.Value, Sigterm);
        }
        await WaitGoneAsync(live.Select(h => DaemonPids[h - 1]!.Value), TimeSpan.FromSeconds(15));

        // 2. Whatever still runs: etcd, daemons that did not stop, and anything inside our namespaces or cgroups
        //    (containerd, shims, containers) after a daemon was killed rather than stopped. Found by where it runs,
        //    not by remembered pids, so a pid reused by someone else's process is never hit.
        var leftovers = new HashSet<int>();
        Try("find processes", () => leftovers.UnionWith(ProcessesInNamespaces()));
        Try("find containers", () => leftovers.UnionWith(ProcessesInCgroups()));
        foreach (var pid in leftovers)
        {
            Try($"kill {pid}", () =>
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
            });
        }
        await WaitGoneAsync(leftovers, TimeSpan.FromSeconds(10));

        // 3. Cgroups, mounts that leaked into this mount namespace, the namespaces, the directory.
        Try("remove cgroups", RemoveCgroups);
        Try("unmount", UnmountUnder);
        foreach (var ns in _namespaces.AsEnumerable().Reverse())
        {
            Try($"delete netns {ns}", () =>
            {
                if (NetworkNamespace.Exists(ns))
                {
                    NetworkNamespace.Delete(ns);
                }
            });
        }
        Try($"remove {_directory}", () =>
        {
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        });
        if (problems.Count > 0)
        {
            Console.Error.WriteLine($"convergence: Docker peer teardown was incomplete (look for '{_prefix}'): {string.Join("; ", problems)}");
        }
    }

    // ---- The underlay: as the lab builds it, a switch namespace with a bridge and one namespace per host.

    private void BuildUnderlay()
    {
        using (var sw = NetworkNamespace.Create(SwitchNamespace))
        {
            _namespaces.Add(SwitchNamespace);
            using var nl = sw.OpenNetlink();
            nl.SetLinkUp("lo");
            nl.AddLink(new Bridge { Name = "br0" });
            nl.SetLinkUp("br0");
            nl.AddAddress("br0", _storeAddress, 24);
        }
        for (var h = 1; h <= Hosts; h++)
        {
            using var host = NetworkNamespace.Create(HostNamespace(h));
            _namespaces.Add(HostNamespace(h));
            using (var sw = NetworkNamespace.Open(SwitchNamespace))
            using (var snl = sw.OpenNetlink())
            {
                snl.AddLink(new Veth { Name = $"p{h}", PeerName = "eth0", PeerNamespace = host });
                snl.SetLinkMaster($"p{h}", "br0");
                snl.SetLinkUp($"p{h}");
            }
            using var nl = host.OpenNetlink();
            nl.SetLinkUp("lo");
            nl.AddAddress("eth0", Address(h), 24);
            nl.SetLinkUp("eth0");
        }
    }

    // ---- Processes.

    /// <summary>
    /// Starts a long-running process in <paramref name="ns"/> in a session of its own (Ctrl-C on the benchmark
    /// reaches the benchmark, which then stops it in order), output appended to <paramref name="log"/>. With
    /// <paramref name="isolation"/> (hostname, tmpfs name) it also gets a UTS namespace with that hostname and a
    /// private mount namespace with a tmpfs over /run. setsid and unshare do not fork here (the caller is not a
    /// process-group leader) and the shell execs, so the pid returned is the command's own.
    /// </summary>
    private static int StartDetached(NetworkNamespace ns, string log, (string Hostname, string Tmpfs)? isolation, IReadOnlyList<string> command)
    {
        var argv = new List<string> { "setsid" };
        if (isolation is { } iso)
        {
            argv.AddRange(["unshare", "--uts", "--mount", "--propagation", "private", "sh", "-c",
                "hostname \"$1\" && mount -t tmpfs -o mode=0755 \"$2\" /run && log=$3 && shift 3 && exec \"$@\" >>\"$log\" 2>&1 </dev/null",
                "wtt-docker", iso.Hostname, iso.Tmpfs, log]);
        }
        else
        {
            argv.AddRange(["sh", "-c", "log=$1 && shift && exec \"$@\" >>\"$log\" 2>&1 </dev/null", "wtt-detached", log]);
        }
        argv.AddRange(command);
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = ns.StartProcess(psi);
        return p.Id;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task WaitGoneAsync(IEnumerable<int> pids, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var waiting = pids.ToList();
        while (waiting.Any(IsAlive) && clock.Elapsed < limit)
        {
            await Task.Delay(50);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Processes whose network namespace is one of ours: etcd, the daemons, their containerd and shims.</summary>
    private HashSet<int> ProcessesInNamespaces() => [.. LabProcesses.InNamespaces(_namespaces.Where(n => NetworkNamespace.Exists(n)))];

    /// <summary>Every cgroup directory the daemons made, in every hierarchy, deepest first.</summary>
    private List<string> CgroupDirectories()
    {
        var found = new List<string>();
        if (!Directory.Exists("/sys/fs/cgroup"))
        {
            return found;
        }
        foreach (var hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
        {
            for (var h = 1; h <= Hosts; h++)
            {
                var root = Path.Combine(hierarchy, CgroupParent(h));
                if (Directory.Exists(root))
                {
                    found.AddRange(Directory.GetDirectories(root, "*", SearchOption.AllDirectories));
                    found.Add(root);
                }
            }
        }
        return [.. found.OrderByDescending(d => d.Count(c => c == '/'))];
    }

    /// <summary>The containers' processes: they live in namespaces of their own, but in our cgroups.</summary>
    private HashSet<int> ProcessesInCgroups()
    {
        var found = new HashSet<int>();
        foreach (var dir in CgroupDirectories())
        {
            var procs = Path.Combine(dir, "cgroup.procs");
            if (File.Exists(procs))
            {
                foreach (var line in File.ReadAllLines(procs))
                {
                    if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    {
                        found.Add(pid);
                    }
                }
            }
        }
        return found;
    }

    private void RemoveCgroups()
    {
        foreach (var dir in CgroupDirectories())
        {
            // rmdir, not a recursive delete: a cgroup's control files cannot be unlinked, only the empty group removed.
            Directory.Delete(dir, recursive: false);
        }
    }

    /// <summary>Unmounts, deepest first, anything under the run's directory visible in this mount namespace (normally nothing).</summary>
    private void UnmountUnder()
    {
        var points = File.ReadLines("/proc/self/mountinfo")
            .Select(l => l.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(p => p == _directory || p.StartsWith(_directory + "/", StringComparison.Ordinal))
            .OrderByDescending(p => p.Length)
            .ToList();
        foreach (var point in points)
        {
            var (code, output) = RunAsync(["umount", "-l", point], null, CancellationToken.None).GetAwaiter().GetResult();
            if (code != 0)
            {
                throw new InvalidOperationException($"umount -l {point}: {output}");
            }
        }
    }

    // ---- Small helpers.

    /// <summary>A plain HTTP/1.0 GET of etcd's v2 key space, from a socket made inside the switch namespace.</summary>
    private static bool EtcdV2Ready(NetworkNamespace ns, IPAddress address) => ns.Run(() =>
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 1000, SendTimeout = 1000 };
            s.Connect(new IPEndPoint(address, 2379));
            s.Send("GET /v2/keys/ HTTP/1.0\r\n\r\n"u8);
            var buffer = new byte[256];
            var n = s.Receive(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n).Split(' ') is [_, "200", ..];
        }
        catch (SocketException)
        {
            return false;
        }
    });

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Docker peer: not within {limit.TotalSeconds:0} s: {what}");
            }
            await Task.Delay(100, ct);
        }
    }

    private static Task EventuallyAsync(Func<bool> condition, string what, TimeSpan limit, CancellationToken ct) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, limit, ct);

    private static async Task<(int Code, string Output)> RunAsync(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        var (code, output, _, _) = await Trials.RunInAsync(null, argv, environment, ct);
        return (code, output);
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, tool)));

    private static string Tail(string path, int lines = 3)
    {
        try
        {
            return string.Join(" | ", File.ReadLines(path).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
