using System.Text.Json;
using System.Text.Json.Serialization;
using Weft.Linux.Files;

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

    private string StatePath => Path.Combine(Directory, "lab.json");

    /// <summary>Beside lab.json: its flock serialises every write of the state file (never deleted while the lab is).</summary>
    private string LockPath => Path.Combine(Directory, "lab.json.lock");

    /// <summary>Reads the state file; it is only ever replaced whole (a rename), so no lock is needed to read it.</summary>
    public static LabState? Load(string baseDirectory, string name) => Read(PathFor(baseDirectory, name));

    private static LabState? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), LabJsonContext.Default.LabState);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Writes this state whole, as the lab's first (`up` does, before it builds anything).</summary>
    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        using (FileLock.Exclusive(LockPath))
        {
            Write(this);
        }
    }

    /// <summary>
    /// A read-modify-write of the state file under its lock: <paramref name="change"/> is applied to the file as it is
    /// now, not to the state this process read earlier, and the result replaces it whole. So two `weft lab agent HOST
    /// start` at once each record their own host's agent, and neither undoes the other's. <paramref name="change"/> runs
    /// while the lock is held: it may check and start a process, so that two callers cannot both start one.
    /// </summary>
    /// <exception cref="LabException">The lab was removed meanwhile.</exception>
    public LabState Update(Func<LabState, LabState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        using (FileLock.Exclusive(LockPath))
        {
            var current = Read(StatePath) ?? throw new LabException($"lab '{Name}' was removed meanwhile ({StatePath} is gone)");
            var next = change(current);
            Write(next);
            return next;
        }
    }

    /// <summary>Written to a temporary file and renamed over the old one: a reader sees the old state or the new, whole.</summary>
    private static void Write(LabState state)
    {
        var path = state.StatePath;
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(state, LabJsonContext.Default.LabState));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>This state with one host changed.</summary>
    public LabState WithHost(string hostName, Func<LabHost, LabHost> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Host(hostName); // an unknown name is refused by name
        return this with { Hosts = [.. Hosts.Select(h => h.Name == hostName ? change(h) : h)] };
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
