using System.Diagnostics;
using Weft.Api;
using Weft.Lab;

namespace Weft.Testing;

/// <summary>
/// A throw-away lab for one test: its name starts with "wtt" and a random id, so every namespace it (and its
/// agents) create carries the test prefix, and it is taken down afterwards even when the test failed.
/// </summary>
public sealed class LabFixture : IAsyncDisposable
{
    private LabFixture(LabState state, LabUnderlay underlay)
    {
        State = state;
        Underlay = underlay;
    }

    public LabState State { get; private set; }

    /// <summary>The lab's underlay, to cable a namespace of the test's own (a DNS server, say) to the lab's switch.</summary>
    public LabUnderlay Underlay { get; }

    public static async Task<LabFixture> UpAsync(int hosts = 3, LabStore store = LabStore.Embedded, bool routed = false, int mtu = 1500, TimeSpan? hostTtl = null,
        IReadOnlyList<string>? agentArguments = null, bool docker = false, bool podman = false)
    {
        var options = new LabOptions
        {
            Name = NewName(),
            Hosts = hosts,
            Store = store,
            Routed = routed,
            Mtu = mtu,
            HostTtl = hostTtl ?? TimeSpan.FromSeconds(15),
            WeftCommand = WeftBinary.Command,
            AgentArguments = agentArguments ?? [],
            Docker = docker,
            Podman = podman,
            CniPlugin = podman ? CniPlugin.Path : null,
        };
        options = WithUnderlayOverride(options);
        return new LabFixture(await Lab.Lab.UpAsync(options, _ => { }, CancellationToken.None), new LabUnderlay(options.UnderlayLayout));
    }

    /// <summary>
    /// Overrides of the lab's name prefix (default "wtt") and underlay /24 (default the lab's own), so that two people
    /// running lab tests on one machine can keep their labs apart by name and address.
    /// </summary>
    public const string PrefixVariable = "WEFT_TEST_LAB_PREFIX", UnderlayVariable = "WEFT_TEST_LAB_UNDERLAY";

    /// <summary>The lab's options with the underlay of <see cref="UnderlayVariable"/>, if set (benchmarks build their own labs).</summary>
    public static LabOptions WithUnderlayOverride(LabOptions options) =>
        Environment.GetEnvironmentVariable(UnderlayVariable) is { Length: > 0 } underlay ? options with { Underlay = Core.Addressing.IpNetwork.Parse(underlay) } : options;

    public static string NewName() =>
        (Environment.GetEnvironmentVariable(PrefixVariable) is { Length: > 0 } prefix ? prefix : "wtt") + Guid.NewGuid().ToString("N")[..6];

    public LabHost Host(int i) => State.Hosts[i - 1];

    public WeftApiClient Client(int i) => new(Host(i).SocketPath);

    /// <summary>Host <paramref name="i"/>'s namespace as `ip netns` shows it.</summary>
    public string HostNamespacePath(int i) => LabDemo.NamespacePath(Host(i).Namespace);

    /// <summary>A command inside host <paramref name="i"/>, with that host's agent as the CLI's target.</summary>
    public Task<(int ExitCode, string Output)> RunOnHostAsync(int i, params string[] command) =>
        LabDemo.RunOnHostAsync(Host(i), command, CancellationToken.None);

    /// <summary>`weft ARGS...` on host <paramref name="i"/>, the way a user runs it there.</summary>
    public Task<(int ExitCode, string Output)> WeftAsync(int i, params string[] args) => RunOnHostAsync(i, [.. State.WeftCommand, .. args]);

    /// <summary>`weft exec SANDBOX -- COMMAND` on host <paramref name="i"/>: the sandbox's own resolv.conf, hosts and hostname apply.</summary>
    public Task<(int ExitCode, string Output)> ExecAsync(int i, string sandbox, params string[] command) => WeftAsync(i, ["exec", sandbox, "--", .. command]);

    /// <summary>`docker ARGS...` on host <paramref name="i"/>, against that host's dockerd (a lab made with docker: true).</summary>
    public Task<(int ExitCode, string Output)> DockerAsync(int i, params string[] args) => RunOnHostAsync(i, ["docker", .. args]);

    /// <summary>Like <see cref="DockerAsync"/>, failing the test with Docker's output when the command fails; the output trimmed.</summary>
    public async Task<string> DockerOkAsync(int i, params string[] args)
    {
        var (code, output) = await DockerAsync(i, args);
        return code == 0 ? output.Trim() : throw new InvalidOperationException($"docker {string.Join(' ', args)} on {Host(i).Name}: exit {code}: {output.Trim()}");
    }

    /// <summary>`podman ARGS...` on host <paramref name="i"/>, with that host's Podman configuration (a lab made with podman: true).</summary>
    public Task<(int ExitCode, string Output)> PodmanAsync(int i, params string[] args) =>
        LabDemo.RunInAsync(HostNamespacePath(i), LabPodman.Command(Host(i), args), CancellationToken.None, Lab.Lab.HostEnvironment(Host(i)));

    /// <summary>Like <see cref="PodmanAsync"/>, failing the test with Podman's output when the command fails; the output trimmed.</summary>
    public async Task<string> PodmanOkAsync(int i, params string[] args)
    {
        var (code, output) = await PodmanAsync(i, args);
        return code == 0 ? output.Trim() : throw new InvalidOperationException($"podman {string.Join(' ', args)} on {Host(i).Name}: exit {code}: {output.Trim()}");
    }

    public async Task StopDockerAsync(int i) => State = await Lab.Lab.StopDockerAsync(State, Host(i).Name, CancellationToken.None);

    public async Task StartDockerAsync(int i) => State = await Lab.Lab.StartDockerAsync(State, Host(i).Name, CancellationToken.None);

    public void StartStore() => State = Lab.Lab.StartStore(State);

    /// <summary>`weft lab store stop|pause|resume|start` on this lab (<see cref="LabStoreControl"/>).</summary>
    public async Task StoreAsync(LabStoreAction action) => State = await LabStoreControl.RunAsync(State, action, WeftBinary.Command, CancellationToken.None);

    public void KillAgent(int i) => State = Lab.Lab.KillAgent(State, Host(i).Name);

    public async Task StartAgentAsync(int i, IReadOnlyDictionary<string, string>? environment = null) =>
        State = await Lab.Lab.StartAgentAsync(State, Host(i).Name, CancellationToken.None, environment);

    /// <summary>`weft lab agent HOST stop`: SIGTERM, and a wait until the agent exited.</summary>
    public async Task StopAgentAsync(int i) => State = await LabChaos.StopAgentAsync(State, Host(i).Name, CancellationToken.None);

    /// <summary>`weft lab partition HOST`: host <paramref name="i"/>'s underlay goes silent both ways.</summary>
    public void Partition(int i) => State = LabChaos.Partition(State, Host(i).Name);

    /// <summary>`weft lab heal HOST`.</summary>
    public void Heal(int i) => State = LabChaos.Heal(State, Host(i).Name);

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"not within {seconds} s: {what}");
            }
            await Task.Delay(100);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string what, int seconds = 30) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, seconds);

    /// <summary>Pings from inside a namespace; true when a reply came.</summary>
    public static async Task<bool> PingAsync(string namespacePath, string address, int count = 1)
    {
        var (code, _) = await LabDemo.RunInAsync(namespacePath, ["ping", "-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", "0.2", "-W", "2", address], CancellationToken.None);
        return code == 0;
    }

    public ValueTask DisposeAsync()
    {
        Lab.Lab.Down(LabOptions.DefaultBaseDirectory, State.Name, _ => { });
        return ValueTask.CompletedTask;
    }
}
