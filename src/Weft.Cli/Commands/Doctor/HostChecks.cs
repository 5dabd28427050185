using System.Net;
using Weft.Api;
using Weft.Linux;
using Weft.Linux.Diagnostics;
using Weft.Linux.Firewall;
using Weft.Linux.Links;
using Weft.Linux.Probes;
using static Weft.Cli.Commands.Doctor.DoctorFindings;

namespace Weft.Cli.Commands.Doctor;

/// <summary>
/// What doctor reads from this host's kernel, in the namespace it runs in (the host's, or a lab host's under
/// `weft lab exec`): kernel features, forwarding, the firewall others left, who holds UDP 4789, the underlay address.
/// </summary>
internal static class HostChecks
{
    private const string KernelCheck = "kernel", ForwardingCheck = "ip-forward", FirewallCheck = "firewall", PortCheck = "udp-4789", AddressCheck = "advertise-address";

    public static IEnumerable<DoctorFinding> Kernel()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            yield return new DoctorFinding(KernelCheck, Error, "doctor must run as root to try the kernel's features and probe peers", Fix: "sudo weft doctor");
            yield break;
        }
        foreach (var feature in KernelFeatures.Check())
        {
            yield return feature.Available switch
            {
                true => new DoctorFinding(KernelCheck, Ok, $"{feature.Name}: {feature.Detail}", feature.Name),
                false => new DoctorFinding(KernelCheck, Error, $"{feature.Name} is not offered by this kernel: {feature.Detail}", feature.Name, FixFor(feature.Name)),
                null => new DoctorFinding(KernelCheck, Warning, $"{feature.Name}: {feature.Detail}", feature.Name, "apt-get install nftables"),
            };
        }
    }

    private static string FixFor(string feature) => feature switch
    {
        "netns" => "mkdir -p /run/netns (and check that /run is writable: `ip netns add test && ip netns del test`)",
        "nf_tables" => "modprobe nf_tables",
        _ => $"modprobe {feature}",
    };

    public static DoctorFinding Forwarding() =>
        Sysctls.Read("net.ipv4.ip_forward") == "1"
            ? new DoctorFinding(ForwardingCheck, Ok, "net.ipv4.ip_forward is 1")
            : new DoctorFinding(ForwardingCheck, Warning,
                "net.ipv4.ip_forward is 0: this host routes nothing between its interfaces. Overlay traffic does not need it (it is bridged " +
                "inside each network's namespace), but sandboxes reaching the outside and published ports do",
                Fix: "sysctl -w net.ipv4.ip_forward=1 (and net.ipv4.ip_forward=1 in /etc/sysctl.d/ to keep it)");

    /// <summary>iptables' FORWARD policy (as iptables-nft stores it) and br_netfilter, and what the two mean together.</summary>
    public static IEnumerable<DoctorFinding> Firewall(IReadOnlyList<DoctorNetworkView> networks)
    {
        HostFirewall? firewall;
        string? failure = null;
        try
        {
            firewall = NftTool.ReadHostFirewall();
        }
        catch (InvalidOperationException e)
        {
            (firewall, failure) = (null, e.Message);
        }
        var bridgeNetfilter = Sysctls.Read("net.bridge.bridge-nf-call-iptables") == "1";
        var dropping = firewall?.ForwardPolicy == "drop";
        if (failure is not null)
        {
            yield return new DoctorFinding(FirewallCheck, Warning, $"cannot read the firewall: {failure}");
        }
        else if (firewall is null)
        {
            yield return new DoctorFinding(FirewallCheck, Info, "the nft tool is not installed, so the FORWARD policy is not checked", Fix: "apt-get install nftables");
        }
        else if (dropping && firewall.DockerChains)
        {
            yield return new DoctorFinding(FirewallCheck, Warning,
                "iptables' FORWARD chain (nft table ip filter) has policy DROP (set by Docker: its DOCKER-USER and DOCKER chains are there): packets " +
                "this host routes between its interfaces are dropped unless a rule accepts them. Overlay traffic between hosts never crosses it (VXLAN " +
                "goes to and from this host, and each network bridges in its own namespace); a sandbox's traffic to the outside and published ports do, " +
                "and Weft accepts those with rules of its own (comment 'weft:') at the top of DOCKER-USER, the chain Docker keeps for other programs' " +
                "rules, without editing Docker's rules",
                "FORWARD");
        }
        else if (dropping)
        {
            yield return ForeignDrop("iptables' FORWARD chain (nft table ip filter)", "iptables", "FORWARD");
        }
        else
        {
            yield return new DoctorFinding(FirewallCheck, Ok, $"iptables' FORWARD policy is {firewall.ForwardPolicy ?? "accept (no chain)"}", "FORWARD");
        }

        foreach (var legacy in LegacyFirewall())
        {
            yield return legacy;
        }

        if (bridgeNetfilter)
        {
            var bridges = networks.Where(n => n.Driver == "bridge").Select(n => n.Name).ToList();
            var hit = dropping && bridges.Count > 0;
            yield return new DoctorFinding(FirewallCheck, Info,
                "br_netfilter is loaded (net.bridge.bridge-nf-call-iptables = 1): frames crossing a Linux bridge also pass iptables' FORWARD chain. " +
                "Overlay networks bridge inside their own namespaces, whose FORWARD chain is empty, so they are not affected" +
                (hit ? $"; the bridge network(s) {string.Join(", ", bridges)} bridge in this host's namespace, where the FORWARD policy DROP applies to them too, " +
                    "and Weft's own DOCKER-USER rules accept their traffic" : ""),
                "br_netfilter");
        }
    }

    /// <summary>
    /// The FORWARD policy of iptables-legacy's filter table (x_tables, which nft rules cannot override), only when this
    /// namespace has one: with Docker's DOCKER-USER chain, Weft keeps its rules there as in iptables-nft's; without it,
    /// the DROP is another firewall manager's, which Weft never changes, so doctor says what to run.
    /// </summary>
    private static IEnumerable<DoctorFinding> LegacyFirewall()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            yield break; // reading x_tables needs CAP_NET_ADMIN; the Kernel check already says to run as root
        }
        LegacyForward? legacy;
        string? failure = null;
        try
        {
            legacy = LegacyIptables.ReadForward();
        }
        catch (KernelException e)
        {
            (legacy, failure) = (null, e.Message);
        }
        if (failure is not null)
        {
            yield return new DoctorFinding(FirewallCheck, Warning, $"cannot read iptables-legacy's filter table: {failure}", "FORWARD (legacy)");
        }
        else if (legacy is null || legacy.Policy != "DROP")
        {
            yield break; // no legacy filter table (the usual case), or nothing dropped there
        }
        else if (legacy.DockerUser)
        {
            yield return new DoctorFinding(FirewallCheck, Warning,
                "iptables-legacy's FORWARD chain has policy DROP (a Docker using iptables-legacy: its DOCKER-USER chain is there). A drop there is final " +
                "whatever nftables says, so Weft keeps its own rules (comment 'weft:') at the top of the legacy DOCKER-USER too, checked on every resync " +
                "(10 s: iptables-legacy announces no changes), without editing Docker's rules",
                "FORWARD (legacy)");
        }
        else
        {
            yield return ForeignDrop("iptables-legacy's FORWARD chain", "iptables-legacy", "FORWARD (legacy)");
        }
    }

    /// <summary>A FORWARD policy DROP of a firewall manager other than Docker: Weft never changes it, and says what lets its traffic through.</summary>
    private static DoctorFinding ForeignDrop(string where, string tool, string subject) =>
        new(FirewallCheck, Warning,
            $"{where} has policy DROP and no Docker DOCKER-USER chain: another firewall manager's (ufw, firewalld, a script). A drop there is final, " +
            "so a sandbox's traffic to the outside and published ports are dropped on this host (overlay traffic between hosts is not: it never " +
            "crosses FORWARD). Weft does not change another manager's rules",
            subject,
            $"{tool} -I FORWARD -i wu-+ -j ACCEPT && {tool} -I FORWARD -o wu-+ -j ACCEPT && {tool} -I FORWARD -i wb-+ -j ACCEPT && " +
            $"{tool} -I FORWARD -o wb-+ -j ACCEPT (or allow the interfaces wu-* and wb-* in that firewall manager's own configuration, which may rewrite the table)");

    /// <summary>UDP 4789 must be free, or held by the kernel's VXLAN socket (Weft's devices share it); a program holding it blocks every overlay.</summary>
    public static IEnumerable<DoctorFinding> VxlanPort()
    {
        var users = UdpPortUsers.Of(Vxlan.DefaultPort);
        var programs = users.Select(u => (u.Inode, Pids: UdpPortUsers.ProcessesHolding(u.Inode))).Where(u => u.Pids.Count > 0).ToList();
        if (programs.Count > 0)
        {
            var who = string.Join(", ", programs.SelectMany(p => p.Pids).Distinct().Select(Describe));
            yield return new DoctorFinding(PortCheck, Error,
                $"a program holds UDP {Vxlan.DefaultPort} ({who}): the kernel cannot open the VXLAN port for Weft's networks",
                Fix: $"stop it or move it to another port (ss -ulpn 'sport = :{Vxlan.DefaultPort}' shows it)");
        }
        else
        {
            yield return new DoctorFinding(PortCheck, Ok, users.Count == 0
                ? $"UDP {Vxlan.DefaultPort} is free"
                : $"UDP {Vxlan.DefaultPort} is held by the kernel's VXLAN socket, which Weft's devices share");
        }
        if (Environment.IsPrivilegedProcess)
        {
            using var nl = NetlinkHandle.Open();
            foreach (var foreign in nl.ListLinks().OfType<Vxlan>().Where(v => v.Port == Vxlan.DefaultPort && v.Name != UnderlayProbeResponder.DeviceName))
            {
                yield return new DoctorFinding(PortCheck, Warning,
                    $"the VXLAN device {foreign.Name} (VNI {foreign.Vni}), which Weft did not make, also uses UDP {Vxlan.DefaultPort}: a Weft network with VNI {foreign.Vni} would share its traffic",
                    foreign.Name, $"give the Weft network another VNI (weft network create --vni N), or ip link del {foreign.Name} if it is unused");
            }
        }
    }

    private static string Describe(int pid)
    {
        var name = File.Exists($"/proc/{pid}/comm") ? File.ReadAllText($"/proc/{pid}/comm").Trim() : "?";
        return $"pid {pid} {name}";
    }

    /// <summary>The agent's underlay address: held by this host, and one other hosts can reach.</summary>
    public static IEnumerable<DoctorFinding> AdvertiseAddress(DoctorClusterView cluster)
    {
        var address = IPAddress.Parse(cluster.UnderlayAddress);
        const string Fix = "weft agent --advertise-addr ADDRESS (an address the other hosts reach; in the unit: /etc/default/weft)";
        if (AdvertiseAddressRules.Judge(address) is { } problem)
        {
            yield return new DoctorFinding(AddressCheck, problem.Severity, $"the underlay address {address} is {problem.Why}", cluster.UnderlayAddress, Fix);
        }
        else
        {
            yield return new DoctorFinding(AddressCheck, Ok, $"the underlay address is {address} on {cluster.UnderlayDevice}", cluster.UnderlayAddress);
        }
        using var nl = NetlinkHandle.Open();
        if (!nl.ListAddresses().Any(a => a.Address.Equals(address)))
        {
            yield return new DoctorFinding(AddressCheck, Error, $"no interface of this host holds the agent's underlay address {address} any more", cluster.UnderlayAddress,
                "systemctl restart weft (the agent finds its address again at start), or " + Fix);
        }
    }
}
