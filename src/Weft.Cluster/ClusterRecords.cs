using System.Text.Json.Serialization;
using Weft.Core.Addressing;

namespace Weft.Cluster;

/// <summary>
/// What the cluster remembers about a host beyond its lease: it outlives the agent, so other hosts can
/// count a grace period from the moment it went away, and the next start can bump its incarnation.
/// </summary>
public sealed record HostInfoRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string UnderlayAddress { get; init; }
    public required long Incarnation { get; init; }
    /// <summary>The host's routes, so an automatic subnet is checked against every host's, not only the creator's.</summary>
    public IReadOnlyList<IpNetwork> Routes { get; init; } = [];
    /// <summary>Set by whichever agent first saw the host's lease gone; cleared when it registers again.</summary>
    public DateTimeOffset? DownSince { get; init; }
}

/// <summary>A sandbox: one container's network namespace, on one host. Its endpoints point back at its id.</summary>
public sealed record SandboxRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string HostId { get; init; }
    public string? Hostname { get; init; }
    /// <summary>"name:ip" entries for its /etc/hosts (Docker's --add-host).</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];
    public IReadOnlyList<string> Command { get; init; } = [];
    /// <summary>Path of the bind-mounted network namespace, for `ip netns` and `weft exec`.</summary>
    public required string NetworkNamespace { get; init; }
    public string? UtsNamespace { get; init; }
    public int? Pid { get; init; }
    /// <summary>
    /// When <see cref="Pid"/> started, in clock ticks after boot (/proc/PID/stat): a pid is the sandbox's only while
    /// this matches, since a reused pid may live in the same namespace (always so on a host network). Null in
    /// records written before it existed.
    /// </summary>
    public long? PidStartTime { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>When an address was given back; addresses released longest ago are reused first, and all of them last.</summary>
public sealed record ReleasedRecord(DateTimeOffset ReleasedAt);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HostInfoRecord))]
[JsonSerializable(typeof(SandboxRecord))]
[JsonSerializable(typeof(ReleasedRecord))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
