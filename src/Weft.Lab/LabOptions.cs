using Weft.Core.Addressing;

namespace Weft.Lab;

/// <summary>Which cluster store a lab runs on.</summary>
public enum LabStore
{
    /// <summary>One SQLite file that every agent opens: no server at all.</summary>
    Embedded,
    /// <summary>A real etcd inside the lab, on the underlay.</summary>
    Etcd,
}

/// <summary>The shape of a lab. Every default gives the seed experiment: three hosts on one flat underlay.</summary>
public sealed record LabOptions
{
    public const string DefaultName = "weftlab";
    public const string DefaultBaseDirectory = "/run/weft-lab";

    /// <summary>Prefix of everything the lab creates; several labs with different names can run at once.</summary>
    public string Name { get; init; } = DefaultName;

    public int Hosts { get; init; } = 3;

    public LabStore Store { get; init; } = LabStore.Embedded;

    /// <summary>The underlay /24 (with --routed, this one and the next). Must lie in 198.18.0.0/15, the benchmarking range.</summary>
    public IpNetwork Underlay { get; init; } = IpNetwork.Parse("198.18.0.0/24");

    /// <summary>Two L3 subnets joined by a router namespace instead of one switch.</summary>
    public bool Routed { get; init; }

    /// <summary>MTU of every underlay link; the overlays follow at MTU − 50.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>How agents are started: the `weft` executable (and, under `dotnet`, its assembly).</summary>
    public IReadOnlyList<string> WeftCommand { get; init; } = [];

    /// <summary>The agents' host TTL: how soon other hosts withdraw a dead host's endpoints.</summary>
    public TimeSpan HostTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// More `weft agent` options for every host, e.g. `--dns-upstream 198.18.0.200` (without one, agents forward
    /// to the resolvers of /etc/resolv.conf, which lab hosts cannot reach).
    /// </summary>
    public IReadOnlyList<string> AgentArguments { get; init; } = [];

    /// <summary>A dockerd per host, wired to the host's agent as its network and IPAM plugin (see <see cref="LabDocker"/>).</summary>
    public bool Docker { get; init; }

    /// <summary>Podman per host with Weft's CNI plugin (see <see cref="LabPodman"/>); needs <see cref="CniPlugin"/>.</summary>
    public bool Podman { get; init; }

    /// <summary>The weft-cni executable the hosts' Podman runs as its `weft` plugin.</summary>
    public string? CniPlugin { get; init; }

    /// <summary>Where lab state, logs and agent directories live.</summary>
    public string BaseDirectory { get; init; } = DefaultBaseDirectory;

    /// <summary>The lab's underlay: its namespaces are NAME-underlay (routed: NAME-underlay-a, -b and NAME-router).</summary>
    public UnderlayLayout UnderlayLayout => new() { NamePrefix = Name + "-", Hosts = Hosts, Subnet = Underlay, Routed = Routed, Mtu = Mtu };

    /// <summary>The name of host <paramref name="i"/> (1-based): host1… in the default lab, NAMEh1… in others.</summary>
    public string HostName(int i) => Name == DefaultName ? $"host{i}" : $"{Name}h{i}";
}
