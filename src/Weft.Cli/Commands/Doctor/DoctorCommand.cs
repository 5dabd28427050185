using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Weft.Api;
using Weft.Cli.Output;
using Weft.Core.Errors;
using Weft.Linux.Probes;
using static Weft.Cli.Commands.Doctor.DoctorFindings;

namespace Weft.Cli.Commands.Doctor;

/// <summary>
/// `weft doctor`: checks this host (kernel, forwarding, firewall, UDP 4789, the underlay address) and, through the agent,
/// the cluster (the store and its clock, subnets against every host's routes, MTU) and every live peer's UDP 4789 by
/// an active probe its agent answers. Prints each problem with the command that fixes it; exits 1 when any is an error.
/// </summary>
internal sealed class DoctorCommand : WeftCommand
{
    private readonly Option<double> _timeout = new("--probe-timeout")
    {
        Description = "Seconds to wait for a peer's answer to each UDP 4789 probe (3 tries)",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 0.5,
    };

    public DoctorCommand(CliContext context)
        : base(context, "doctor",
            "Check this host and the cluster: kernel features, ip_forward, firewall (the FORWARD policy in iptables-nft and iptables-legacy, br_netfilter), UDP 4789, the " +
            "advertise address, MTU and the path MTU to every peer, UDP 4789 to every peer (an active probe its agent answers), the " +
            "store's reachability, latency and clock, and subnets that overlap a host's routes. Prints each problem with the command " +
            "that fixes it; exits 1 if any is an error (warnings alone exit 0). Needs root",
            JsonOutput.Prints("the report: each check with its findings"))
    {
        Add(_timeout);
    }

    public override TimeSpan? TerminationGracePeriod => TimeSpan.FromSeconds(2);

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var timeout = parseResult.GetValue(_timeout);
        if (timeout is <= 0 or > 60)
        {
            throw new UsageException($"--probe-timeout must be more than 0 and at most 60 seconds, not {timeout}");
        }

        var findings = new List<DoctorFinding>();
        findings.AddRange(HostChecks.Kernel());
        findings.Add(HostChecks.Forwarding());
        findings.AddRange(HostChecks.VxlanPort());

        using var agent = Context.ConnectToAgent(parseResult);
        DoctorClusterView? cluster = null;
        try
        {
            cluster = await agent.DoctorAsync(cancellationToken);
        }
        catch (WeftApiException e) when (e.Code is ErrorCodes.AgentUnavailable or ErrorCodes.AgentTimeout)
        {
            findings.Add(new DoctorFinding("agent", Error, e.Message, Fix: "systemctl start weft (or weft agent --store URL)"));
        }

        findings.AddRange(HostChecks.Firewall(cluster?.Networks ?? []));
        if (cluster is not null)
        {
            findings.AddRange(HostChecks.AdvertiseAddress(cluster));
            findings.AddRange(ClusterChecks.Mtu(cluster));
            findings.AddRange(ClusterChecks.Store(cluster.Store));
            findings.AddRange(ClusterChecks.Overlaps(cluster));
            if (!cluster.ProbeResponder)
            {
                findings.Add(new DoctorFinding("probe-responder", Warning,
                    $"this host's agent does not answer UDP 4789 probes ({cluster.ProbeResponderError}), so doctor on other hosts reports this host as unreachable",
                    Fix: "see the agent's log; UDP 4789 must be free or held by the kernel's VXLAN socket"));
            }
            findings.AddRange(await ProbePeersAsync(cluster, TimeSpan.FromSeconds(timeout), cancellationToken));
        }

        var report = Report(cluster?.Host ?? Environment.MachineName, findings);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(report, ApiJsonContext.Default.DoctorReport);
        }
        else
        {
            DoctorOutput.Write(Context.Out, report);
        }
        return report.Healthy ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>Every live peer at once: a host that does not answer costs its timeouts once, not once per peer before it.</summary>
    private static async Task<IEnumerable<DoctorFinding>> ProbePeersAsync(DoctorClusterView cluster, TimeSpan timeout, CancellationToken ct)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return [];
        }
        var local = IPAddress.Parse(cluster.UnderlayAddress);
        var peers = cluster.Hosts.Where(h => h.Id != cluster.HostId).ToList();
        return await Task.WhenAll(peers.Select(async peer =>
        {
            if (!peer.Alive)
            {
                return ClusterChecks.Peer(peer, null);
            }
            try
            {
                return ClusterChecks.Peer(peer, await UnderlayProber.ProbeAsync(local, IPAddress.Parse(peer.Address), cluster.UnderlayMtu, timeout, ct));
            }
            catch (SocketException e)
            {
                // Not even sent: this host lost its underlay address (reported above), or has no route to the peer.
                return new DoctorFinding("peer-udp-4789", Error, $"cannot probe {peer.Name} ({peer.Address}) from {local}: {e.Message}", peer.Name,
                    $"ip route get {peer.Address} shows the way there; the underlay address must be this host's");
            }
        }));
    }
}
