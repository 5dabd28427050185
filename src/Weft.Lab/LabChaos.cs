using System.Diagnostics;
using Weft.Linux.Namespaces;
using Weft.Linux.Processes;

namespace Weft.Lab;

/// <summary>
/// `weft lab agent HOST stop|kill|start` and `weft lab partition|heal HOST`: breaking a lab on purpose, the way tests and
/// users check what Weft does when an agent or a host goes away. Every action names its target by the pid or the cable
/// the lab recorded, never by a process name.
/// </summary>
public static class LabChaos
{
    /// <summary>How long a stopping agent gets before SIGKILL, as systemd's TimeoutStopSec would.</summary>
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(30);

    /// <summary>SIGTERM to the host's agent, as `systemctl stop` sends, then a wait until it exited. Its data plane stays.</summary>
    public static async Task<LabState> StopAgentAsync(LabState state, string hostName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = state.Host(hostName);
        if (h.AgentPid is { } pid && LabProcesses.IsAlive(pid))
        {
            ProcessSignals.Send(pid, ProcessSignals.SIGTERM);
            var clock = Stopwatch.StartNew();
            while (LabProcesses.IsAlive(pid))
            {
                if (clock.Elapsed > StopPatience)
                {
                    LabProcesses.Kill([pid]);
                    break;
                }
                await Task.Delay(50, ct);
            }
        }
        return state.Update(s => s.WithHost(hostName, x => x with { AgentPid = null }));
    }

    /// <summary>
    /// Pulls the host's underlay cable: its port on the lab's switch goes down, so nothing crosses in either direction
    /// (VXLAN, ICMP, and etcd, which sits on the underlay). The embedded store is a file every lab host opens, which no
    /// cable can cut, so on it the host's agent is also frozen (SIGSTOP): peers then see what a host cut off from its
    /// store looks like, a lease that stops being renewed.
    /// </summary>
    public static LabState Partition(LabState state, string hostName)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (host, index) = Find(state, hostName);
        if (host.Partitioned)
        {
            throw new LabException($"{hostName} is already partitioned; `weft lab heal {hostName}` first");
        }
        var underlay = Underlay(state);
        using (var sw = NetworkNamespace.Open(underlay.SwitchNamespace(underlay.SegmentOf(index))))
        using (var nl = sw.OpenNetlink())
        {
            nl.SetLinkDown(Port(index));
        }
        if (state.StoreKind != "etcd" && host.AgentPid is { } pid && LabProcesses.IsAlive(pid))
        {
            ProcessSignals.Send(pid, ProcessSignals.SIGSTOP);
        }
        return state.Update(s => s.WithHost(hostName, x => x with { Partitioned = true }));
    }

    /// <summary>Plugs the host's cable back in (and lets a frozen agent run on), once the switch port carries frames again.</summary>
    public static LabState Heal(LabState state, string hostName)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (host, index) = Find(state, hostName);
        if (!host.Partitioned)
        {
            throw new LabException($"{hostName} is not partitioned");
        }
        var underlay = Underlay(state);
        var switchNamespace = underlay.SwitchNamespace(underlay.SegmentOf(index));
        using (var sw = NetworkNamespace.Open(switchNamespace))
        using (var nl = sw.OpenNetlink())
        {
            nl.SetLinkUp(Port(index));
            if (!nl.WaitUntilRunning(Port(index), TimeSpan.FromSeconds(10)))
            {
                throw new LabException($"port {Port(index)} of {switchNamespace} does not carry frames 10 s after it came up");
            }
        }
        if (host.AgentPid is { } pid && LabProcesses.IsAlive(pid))
        {
            ProcessSignals.Send(pid, ProcessSignals.SIGCONT);
        }
        return state.Update(s => s.WithHost(hostName, x => x with { Partitioned = false }));
    }

    /// <summary>The host and its 1-based number, which names its switch port (LabUnderlay.BuildHost cabled it as h1, h2…).</summary>
    private static (LabHost Host, int Index) Find(LabState state, string hostName)
    {
        var host = state.Host(hostName);
        return (host, state.Hosts.ToList().IndexOf(host) + 1);
    }

    private static string Port(int index) => $"h{index}";

    private static LabUnderlay Underlay(LabState state) =>
        new(new UnderlayLayout { NamePrefix = state.Name + "-", Hosts = state.Hosts.Count, Routed = state.Routed });
}
