using System.Text.Json;
using System.Text.Json.Serialization;

namespace Weft.Lab;

/// <summary>One simulated host of a running lab.</summary>
/// <param name="Partitioned">Its underlay cable is pulled (`weft lab partition`), until `weft lab heal`.</param>
public sealed record LabHost(string Name, string Namespace, string Address, string Directory, int? AgentPid, int? DockerPid = null, bool Partitioned = false)
{
    public string SocketPath => Path.Combine(Directory, "run", "weft.sock");

    public string LogPath => Path.Combine(Directory, "agent.log");
}

/// <summary>What a running lab consists of; written at `up`, read by every other lab command.</summary>
public sealed record LabState
{
    public required string Name { get; init; }
    public required string Directory { get; init; }
    public required string StoreKind { get; init; }
    public required string StoreUrl { get; init; }
    public int? StorePid { get; init; }
    public string? StoreNamespace { get; init; }
    /// <summary>`weft lab store pause` sent the lab's etcd SIGSTOP; `resume` clears it.</summary>
    public bool StorePaused { get; init; }
    /// <summary>The process holding an embedded store's write lock (`weft lab store pause` or `stop`), null when none.</summary>
    public int? StoreLockPid { get; init; }
    public bool Routed { get; init; }
    public int Mtu { get; init; }
    /// <summary>The command line each agent was started with, so a killed agent can be started again the same way.</summary>
    public IReadOnlyList<string> WeftCommand { get; init; } = [];
    public int HostTtlSeconds { get; init; } = 15;
    public IReadOnlyList<string> AgentArguments { get; init; } = [];
    /// <summary>Every host runs a dockerd of its own, wired to its agent (`weft lab up --docker`).</summary>
    public bool Docker { get; init; }
    /// <summary>Every host has Podman configured with Weft's CNI plugin (`weft lab up --podman`).</summary>
    public bool Podman { get; init; }
    public IReadOnlyList<LabHost> Hosts { get; init; } = [];
    /// <summary>Namespaces of the topology itself (underlay switches, router), not the hosts.</summary>
    public IReadOnlyList<string> InfrastructureNamespaces { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }

    public static string PathFor(string baseDirectory, string name) => Path.Combine(baseDirectory, name, "lab.json");

    public static LabState? Load(string baseDirectory, string name)
    {
        var path = PathFor(baseDirectory, name);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), LabJsonContext.Default.LabState) : null;
    }

    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, "lab.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, LabJsonContext.Default.LabState));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public LabHost Host(string name) =>
        Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new LabException($"lab '{Name}' has no host '{name}' (hosts: {string.Join(", ", Hosts.Select(h => h.Name))})");
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(LabState))]
internal sealed partial class LabJsonContext : JsonSerializerContext;

/// <summary>A lab command could not do what was asked; the message says why and what to do.</summary>
public sealed class LabException(string message) : Exception(message);
