using System.Diagnostics;
using Weft.Api;
using Weft.Core.Addressing;
using Weft.Core.Naming;
using Weft.Linux.Namespaces;
using Weft.Linux.Processes;

namespace Weft.Lab;

/// <summary>
/// `weft lab up/down/status/exec`: a cluster of simulated hosts on one machine. Each host is a network
/// namespace with eth0 on the lab's underlay and its own agent process, state and run directories.
/// </summary>
public static class Lab
{
    /// <summary>Builds the lab and starts its agents; on any failure (or cancellation) removes everything it made.</summary>
    public static async Task<LabState> UpAsync(LabOptions options, Action<string> progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        Validate(options);
        var existing = LabState.Load(options.BaseDirectory, options.Name);
        if (existing is not null)
        {
            if (existing.Hosts.Any(h => h.AgentPid is { } pid && LabProcesses.IsAlive(pid)))
            {
                throw new LabException($"lab '{options.Name}' is already running ({existing.Hosts.Count} hosts); run `weft lab down{NameFlag(options.Name)}` first");
            }
            progress($"removing the remains of an earlier lab '{options.Name}' whose agents are gone");
            Down(options.BaseDirectory, options.Name, _ => { });
        }

        var directory = Path.Combine(options.BaseDirectory, options.Name);
        var topology = new LabUnderlay(options.UnderlayLayout);
        var hosts = new List<LabHost>();
        var state = new LabState
        {
            Name = options.Name,
            Directory = directory,
            StoreKind = options.Store == LabStore.Etcd ? "etcd" : "embedded",
            StoreUrl = options.Store == LabStore.Etcd ? $"etcd://{topology.StoreAddress}:2379" : $"sqlite://{Path.Combine(directory, "store.db")}",
            Routed = options.Routed,
            Mtu = options.Mtu,
            WeftCommand = options.WeftCommand,
            HostTtlSeconds = (int)Math.Ceiling(options.HostTtl.TotalSeconds),
            AgentArguments = options.AgentArguments,
            Docker = options.Docker,
            Podman = options.Podman,
            InfrastructureNamespaces = topology.InfrastructureNamespaces,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        Directory.CreateDirectory(directory);
        state.Save(); // saved first, so that `down` finds a lab even if `up` dies halfway
        try
        {
            progress($"underlay: {topology.Describe()}, MTU {options.Mtu}");
            topology.BuildInfrastructure();
            state = state with { Hosts = hosts };
            for (var i = 1; i <= options.Hosts; i++)
            {
                ct.ThrowIfCancellationRequested();
                var name = options.HostName(i);
                var ns = $"{options.Name}-{name}";
                var address = topology.BuildHost(i, ns);
                var hostDir = Path.Combine(directory, name);
                Directory.CreateDirectory(hostDir);
                hosts.Add(new LabHost(name, ns, address.ToString(), hostDir, null));
                state = state.Update(s => s with { Hosts = [.. hosts] });
            }
            progress($"{options.Hosts} hosts: {string.Join(", ", hosts.Select(h => $"{h.Name} {h.Address}"))}");

            if (options.Store == LabStore.Etcd)
            {
                var etcd = StartEtcd(topology.StoreNamespace, topology.StoreAddress.ToString(), directory);
                state = state.Update(s => s with { StorePid = etcd, StoreNamespace = topology.StoreNamespace });
                // An agent refuses to start on a store that does not answer, and etcd takes a moment (seconds on a
                // loaded machine) before it listens.
                await WaitForEtcdAsync(topology.StoreNamespace, topology.StoreAddress, etcd, directory, ct);
                progress($"etcd on {topology.StoreAddress}:2379 in {topology.StoreNamespace}");
            }
            else
            {
                progress($"embedded store {state.StoreUrl}");
            }

            var image = Path.Combine(directory, "busybox.tar");
            if (options.Docker || options.Podman)
            {
                // The engines and the agents share each host's mount namespace, made before either starts.
                await LabMountNamespace.MakePrivateAsync(directory, ct);
                await BusyboxImage.WriteAsync(image, ct);
                foreach (var h in hosts)
                {
                    await LabMountNamespace.CreateAsync(h, ct);
                    if (options.Docker)
                    {
                        await LabDocker.PrepareHostAsync(h, ct);
                    }
                    if (options.Podman)
                    {
                        await LabPodman.PrepareHostAsync(h, options.CniPlugin!, ct);
                    }
                }
            }
            for (var i = 0; i < hosts.Count; i++)
            {
                var h = hosts[i];
                var pid = StartAgent(state, h);
                state = state.Update(s => s.WithHost(h.Name, x => x with { AgentPid = pid }));
                hosts[i] = state.Host(h.Name);
            }
            progress("agents started; waiting until each one answers and reaches the store");
            foreach (var h in hosts)
            {
                await WaitHealthyAsync(h, ct);
            }
            if (options.Docker)
            {
                // After the agents, as systemd orders them: a dockerd that starts before its plugins blocks on them.
                for (var i = 0; i < hosts.Count; i++)
                {
                    var dockerd = LabDocker.Start(state, hosts[i]);
                    state = state.Update(s => s.WithHost(hosts[i].Name, x => x with { DockerPid = dockerd }));
                    hosts[i] = state.Host(hosts[i].Name);
                }
                foreach (var h in hosts)
                {
                    await LabDocker.WaitReadyAsync(h, h.DockerPid!.Value, image, ct);
                }
                progress($"dockerd on every host, plugin 'weft' from its agent, image {BusyboxImage.Name} loaded");
            }
            if (options.Podman)
            {
                foreach (var h in hosts)
                {
                    await LabPodman.ImportImageAsync(h, image, ct);
                }
                progress($"Podman on every host (CNI backend, plugin 'weft' for its agent; `weft cni config NETWORK --install {LabPodman.ConfigDirectory(hosts[0]).Replace(hosts[0].Name, "HOST", StringComparison.Ordinal)}` or /etc/cni/net.d inside the host), image {BusyboxImage.Name} loaded");
            }
            progress($"lab '{options.Name}' is up");
            return state;
        }
        catch
        {
            Down(options.BaseDirectory, options.Name, _ => { });
            throw;
        }
    }

    private static void Validate(LabOptions o)
    {
        if (o.Hosts is < 1 or > 100)
        {
            throw new LabException($"--hosts {o.Hosts}: a lab has 1 to 100 hosts");
        }
        var benchmarking = IpNetwork.Parse("198.18.0.0/15");
        if (o.Underlay.PrefixLength != 24 || !benchmarking.Contains(o.Underlay) || (o.Routed && !benchmarking.Contains(o.Underlay.AddressAt(255u))))
        {
            throw new LabException($"--underlay {o.Underlay}: a lab underlay is a /24 inside 198.18.0.0/15 (the benchmarking range; routed labs use it and the next /24)");
        }
        if (o.Mtu is < 1280 or > 65535)
        {
            throw new LabException($"--mtu {o.Mtu}: the underlay MTU must be 1280..65535");
        }
        if (o.WeftCommand.Count == 0)
        {
            throw new LabException("the lab needs the weft executable to start agents");
        }
        if (o.Docker && LabDocker.Problem() is { } problem)
        {
            throw new LabException($"--docker: {problem}");
        }
        if (o.Podman && LabPodman.Problem(o.CniPlugin) is { } podmanProblem)
        {
            throw new LabException($"--podman: {podmanProblem}");
        }
        Core.Naming.NameRules.ValidateNetworkName(o.Name);
        if (o.Name.Length > 20)
        {
            throw new LabException($"--name {o.Name}: at most 20 characters, since host names embed it");
        }
    }

    private static int StartAgent(LabState state, LabHost h, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var ns = NetworkNamespace.Open(h.Namespace);
        // With an engine the agent lives in the host's mount namespace too, where the engine mounts its containers' namespaces.
        var command = state.Docker || state.Podman ? LabMountNamespace.InHost(h, AgentCommand(state, h)) : AgentCommand(state, h);
        return LabProcesses.StartDetached(ns, command, h.LogPath, environment);
    }

    /// <summary>Kills a host's agent with SIGKILL, as a crash would; its data plane stays as it was.</summary>
    public static LabState KillAgent(LabState state, string hostName)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = state.Host(hostName);
        if (h.AgentPid is { } pid)
        {
            LabProcesses.Kill([pid]);
        }
        return state.Update(s => s.WithHost(hostName, x => x with { AgentPid = null }));
    }

    /// <summary>Starts a host's agent again (after <see cref="KillAgent"/>) and waits until it is ready.</summary>
    /// <param name="environment">More environment for the agent (the crash tests' WEFT_CRASH_AT).</param>
    public static async Task<LabState> StartAgentAsync(LabState state, string hostName, CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        // Checked and started under the state file's lock: two starts of one host's agent at once start one agent.
        var next = state.Update(s =>
        {
            var h = s.Host(hostName);
            if (h.AgentPid is { } running && LabProcesses.IsAlive(running))
            {
                throw new LabException($"the agent of {hostName} is already running (pid {running})");
            }
            var pid = StartAgent(s, h, environment);
            return s.WithHost(hostName, x => x with { AgentPid = pid });
        });
        await WaitHealthyAsync(next.Host(hostName), ct);
        return next;
    }

    /// <summary>
    /// Stops a host's dockerd the way its service manager would (SIGTERM, then waiting for it). The lab's daemons run with
    /// live-restore, so their containers keep running, with their network, until <see cref="StartDockerAsync"/>.
    /// </summary>
    public static async Task<LabState> StopDockerAsync(LabState state, string hostName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = state.Host(hostName);
        if (h.DockerPid is { } pid)
        {
            await LabDocker.StopAsync(h, pid, ct);
        }
        return state.Update(s => s.WithHost(hostName, x => x with { DockerPid = null }));
    }

    /// <summary>Starts a host's dockerd again (after <see cref="StopDockerAsync"/>) and waits until it answers.</summary>
    public static async Task<LabState> StartDockerAsync(LabState state, string hostName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Docker)
        {
            throw new LabException($"lab '{state.Name}' runs no Docker (weft lab up --docker)");
        }
        var next = state.Update(s =>
        {
            var h = s.Host(hostName);
            if (h.DockerPid is { } running && LabProcesses.IsAlive(running))
            {
                throw new LabException($"the dockerd of {hostName} is already running (pid {running})");
            }
            var pid = LabDocker.Start(s, h);
            return s.WithHost(hostName, x => x with { DockerPid = pid });
        });
        var started = next.Host(hostName);
        await LabDocker.WaitReadyAsync(started, started.DockerPid!.Value, imageTar: null, ct);
        return next;
    }

    private static IReadOnlyList<string> AgentCommand(LabState state, LabHost h) =>
    [
        .. state.WeftCommand, "agent",
        "--host-ttl", state.HostTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--store", state.StoreUrl,
        "--advertise-addr", h.Address,
        "--name", h.Name,
        "--state-dir", Path.Combine(h.Directory, "state"),
        "--run-dir", Path.Combine(h.Directory, "run"),
        // Each lab host has its own Docker plugin socket (named by its /etc/docker/plugins/weft.spec) and daemon.
        "--docker-plugin-socket", LabDocker.PluginSocket(h),
        "--docker-socket", LabDocker.Socket(h),
        .. state.AgentArguments,
    ];

    /// <summary>Starts the lab's etcd again on its data (after a test stopped it), so agents can show that they reconnect.</summary>
    public static LabState StartStore(LabState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.StoreNamespace is null || state.StoreKind != "etcd")
        {
            throw new LabException($"lab '{state.Name}' runs on the embedded store; there is no store process to start");
        }
        if (state.StorePid is { } running && LabProcesses.IsAlive(running))
        {
            throw new LabException($"the store of lab '{state.Name}' is already running (pid {running})");
        }
        var address = new Uri(state.StoreUrl.Replace("etcd://", "http://", StringComparison.Ordinal)).Host;
        var pid = StartEtcd(state.StoreNamespace, address, state.Directory);
        return state.Update(s => s with { StorePid = pid });
    }

    internal static int StartEtcd(string storeNamespace, string address, string directory)
    {
        using var ns = NetworkNamespace.Open(storeNamespace);
        var url = $"http://{address}:2379";
        return LabProcesses.StartDetached(ns,
        [
            "etcd", "--name", "lab", "--data-dir", Path.Combine(directory, "etcd"),
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
            "--initial-cluster", "lab=http://127.0.0.1:2380",
        ], Path.Combine(directory, "etcd.log"));
    }

    internal static async Task WaitForEtcdAsync(string storeNamespace, System.Net.IPAddress address, int pid, string directory, CancellationToken ct)
    {
        using var ns = NetworkNamespace.Open(storeNamespace);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (!LabProcesses.IsAlive(pid))
            {
                throw new LabException($"the lab's etcd exited; its log {Path.Combine(directory, "etcd.log")} ends with: {Tail(Path.Combine(directory, "etcd.log"))}");
            }
            // A socket keeps the namespace it was made in: made there, it reaches the store's address from here.
            using var socket = ns.Run(() => new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp));
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(address, 2379, attempt.Token);
                return;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(45))
                {
                    throw new LabException($"the lab's etcd does not answer on {address}:2379 after 45 s: {e.Message}");
                }
                await Task.Delay(50, ct);
            }
        }
    }

    private static async Task WaitHealthyAsync(LabHost host, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        string? last = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(45))
        {
            ct.ThrowIfCancellationRequested();
            if (host.AgentPid is { } pid && !LabProcesses.IsAlive(pid))
            {
                throw new LabException($"the agent of {host.Name} exited; its log {host.LogPath} ends with: {Tail(host.LogPath)}");
            }
            try
            {
                // Generous: a loaded 2-core machine can take seconds to schedule a fresh agent.
                using var client = new WeftApiClient(host.SocketPath, TimeSpan.FromSeconds(10));
                var status = await client.StatusAsync(ct);
                if (status.StoreReachable && status.Incarnation > 0)
                {
                    return;
                }
                last = status.StoreError ?? "not registered yet";
            }
            catch (WeftApiException e)
            {
                last = e.Message;
            }
            await Task.Delay(100, ct);
        }
        throw new LabException($"the agent of {host.Name} did not become ready in 45 s ({last}); see {host.LogPath}");
    }

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

    /// <summary>
    /// Removes the lab: every process in its namespaces (agents, etcd, sandboxes), the namespaces the agents
    /// made for its hosts, the hosts, the underlay, and its directory. Idempotent, and works without the state
    /// file, by names alone, after a crash.
    /// </summary>
    public static int Down(string baseDirectory, string name, Action<string> progress) => Remove(baseDirectory, name, progress).Namespaces.Count;

    /// <summary><see cref="Down"/>, saying what it removed (`weft lab down --format json`).</summary>
    public static LabRemoval Remove(string baseDirectory, string name, Action<string> progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var state = LabState.Load(baseDirectory, name);
        var prefix = name + "-";
        var hostNames = state?.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        bool IsHostName(string h) => hostNames.Contains(h) || (name == LabOptions.DefaultName ? IsNumbered(h, "host") : IsNumbered(h, name + "h"));
        // Namespaces the agents created carry the host's name: weft-<host>_<net>, weftsb-<host>_<sandbox>.
        List<string> AgentMade(IEnumerable<string> names) => [.. names.Where(n =>
            (Core.Naming.KernelNames.TryParseNetworkNamespaceName(n, out var h1, out _) && IsHostName(h1))
            || (Core.Naming.KernelNames.TryParseSandboxNamespaceName(n, out var h2, out _) && IsHostName(h2)))];
        var all = NetworkNamespace.List();
        var agentMade = AgentMade(all);
        var own = all.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var namespaces = agentMade.Concat(own).ToList();
        // An agent's pin weft-<host> of its host's own namespace, for host-network sandboxes, is the lab's only when it
        // pins one of the lab's hosts: a name alone could be a real agent's pin of the machine's namespace. It is only
        // unmounted, and never counted where processes are looked for.
        var ownIdentities = own.Select(LabProcesses.Identity).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var pins = all.Where(n => Core.Naming.KernelNames.TryParseHostNamespaceName(n, out var h) && IsHostName(h)
            && LabProcesses.Identity(n) is { } pinned && ownIdentities.Contains(pinned)).ToList();

        // Podman's containers first, while the agents still answer their DELs.
        if (state?.Podman == true)
        {
            progress("removing the hosts' Podman containers");
            foreach (var host in state.Hosts)
            {
                LabPodman.Down(host);
            }
        }
        // Docker next: its containers live in namespaces of their own, found by their cgroup; then its daemon.
        if (state?.Docker == true)
        {
            progress("stopping the hosts' dockerd and their containers");
            foreach (var host in state.Hosts)
            {
                LabDocker.Down(state, host);
            }
        }

        // Sandbox processes by the mark their agent gave them too: one whose namespace was never named (a crash) is in none.
        var pids = LabProcesses.InNamespaces(namespaces)
            .Concat(MarkedProcesses.Find(SandboxMark.Variable, v => v.Split('/')[0] is var h && IsHostName(h)))
            .ToList();
        if (state is not null)
        {
            pids.AddRange(state.Hosts.Select(h => h.AgentPid).OfType<int>().Where(LabProcesses.IsAlive));
            if (state.StorePid is { } sp && LabProcesses.IsAlive(sp))
            {
                pids.Add(sp);
            }
            if (state.StoreLockPid is { } lp && LabProcesses.IsAlive(lp))
            {
                pids.Add(lp); // a paused embedded store's lock holder (`weft lab store pause`)
            }
        }
        var processes = pids.Distinct().Count();
        if (pids.Count > 0)
        {
            progress($"stopping {processes} process(es)");
            LabProcesses.Kill(pids);
        }
        // An agent busy with a `weft run` may have made a namespace between the listing above and its end.
        var late = AgentMade(NetworkNamespace.List()).Except(agentMade).ToList();
        if (late.Count > 0)
        {
            LabProcesses.Kill([.. LabProcesses.InNamespaces(late)]);
            agentMade.AddRange(late);
        }
        // Pins, sandboxes and overlays first, then hosts, then the switches and router.
        foreach (var ns in pins.Concat(agentMade).Concat(own.OrderBy(n => state?.InfrastructureNamespaces.Contains(n) == true ? 1 : 0)))
        {
            if (NetworkNamespace.Exists(ns))
            {
                NetworkNamespace.Delete(ns);
            }
        }
        var directory = Path.Combine(baseDirectory, name);
        if (Directory.Exists(directory))
        {
            // An engine lab's hosts pinned mount namespaces in it, and it is a private mount of its own.
            foreach (var host in state?.Hosts ?? [])
            {
                MountPoints.Detach(LabMountNamespace.PathOf(host));
            }
            MountPoints.Detach(directory);
            Directory.Delete(directory, recursive: true);
        }
        var found = namespaces.Count > 0 || state is not null;
        progress(found ? $"lab '{name}' removed ({namespaces.Count} namespaces)" : $"no lab named '{name}'");
        return new LabRemoval(name, found, namespaces, processes);
    }

    private static bool IsNumbered(string value, string prefix) =>
        value.StartsWith(prefix, StringComparison.Ordinal) && value.Length > prefix.Length && value.AsSpan(prefix.Length).ContainsAnyExceptInRange('0', '9') == false;

    /// <summary>Runs a command inside a lab host, with that host's agent as the CLI's target; returns its exit code.</summary>
    public static int Exec(LabState state, string hostName, IReadOnlyList<string> command, IReadOnlyList<string> weftCommand) =>
        Exec(state, hostName, command, weftCommand, collect: false).ExitCode;

    /// <summary>
    /// <see cref="Exec(LabState, string, IReadOnlyList{string}, IReadOnlyList{string})"/> with stdout and stderr collected
    /// instead of this process's (stdin is still this process's): `weft lab exec --format json`.
    /// </summary>
    public static LabExecResult ExecCollecting(LabState state, string hostName, IReadOnlyList<string> command, IReadOnlyList<string> weftCommand) =>
        Exec(state, hostName, command, weftCommand, collect: true);

    private static LabExecResult Exec(LabState state, string hostName, IReadOnlyList<string> command, IReadOnlyList<string> weftCommand, bool collect)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(weftCommand);
        var host = state.Host(hostName);
        if (command.Count == 0)
        {
            throw new LabException("nothing to run: give a command after --");
        }
        // `weft` inside a lab host means this very weft, wherever it is installed.
        IReadOnlyList<string> argv = command[0] == "weft" ? [.. weftCommand, .. command.Skip(1)] : command.ToList();
        if (state.Podman)
        {
            // Podman works only in the host's mount namespace (its sysfs and cgroups, its containers' namespace files).
            argv = LabMountNamespace.InHost(host, argv);
        }
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = collect, RedirectStandardError = collect };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in HostEnvironment(host))
        {
            psi.Environment[k] = v;
        }
        psi.Environment["WEFT_LAB_HOST"] = host.Name;
        if (Path.IsPathRooted(weftCommand[0]) && Path.GetFileName(weftCommand[0]) == "weft")
        {
            // So that a shell in the host finds this weft first.
            psi.Environment["PATH"] = $"{Path.GetDirectoryName(weftCommand[0])}:{Environment.GetEnvironmentVariable("PATH")}";
        }
        using var ns = NetworkNamespace.Open(host.Namespace);
        using var process = ns.StartProcess(psi);
        var stdout = collect ? process.StandardOutput.ReadToEndAsync() : Task.FromResult("");
        var stderr = collect ? process.StandardError.ReadToEndAsync() : Task.FromResult("");
        process.WaitForExit();
        return new LabExecResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>What a command inside a lab host needs in its environment: `weft` talks to the host's agent, `docker` to its daemon.</summary>
    public static IReadOnlyDictionary<string, string> HostEnvironment(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var environment = new Dictionary<string, string> { [WeftApiClient.SocketEnvironmentVariable] = host.SocketPath };
        if (LabMountNamespace.Exists(host))
        {
            foreach (var (k, v) in LabDocker.CliEnvironment(host).Concat(LabPodman.CliEnvironment(host)))
            {
                environment[k] = v;
            }
        }
        return environment;
    }

    private static string NameFlag(string name) => name == LabOptions.DefaultName ? "" : $" --name {name}";
}

/// <summary>What `weft lab down` removed: whether there was a lab by that name, its namespaces and how many processes were stopped.</summary>
public sealed record LabRemoval(string Name, bool Found, IReadOnlyList<string> Namespaces, int Processes);

/// <summary>A command run inside a lab host with its output collected: exit code, stdout, stderr.</summary>
public sealed record LabExecResult(int ExitCode, string Stdout, string Stderr);
