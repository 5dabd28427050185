using Weft.Agent.Host;

namespace Weft.Agent;

/// <summary>Facts about this agent that every component needs, fixed at start.</summary>
public sealed record AgentContext(string HostId, string HostName, Underlay Underlay, AgentOptions Options, string Version)
{
    /// <summary>The directory for named namespaces, null meaning /run/netns, as Weft.Linux takes it.</summary>
    public string? NetnsRunDirectory => Options.NetnsDirectory;

    public string NetnsDirectory => Options.NetnsDirectory ?? "/run/netns";

    /// <summary>The host's own namespace as sandboxes on a host network share it.</summary>
    public Sandboxes.HostNamespace HostNamespace => new(HostName, NetnsRunDirectory);

    public string SandboxDirectory(string name) => Path.Combine(Options.RunDirectory, "sandboxes", name);

    public string LogPath(string name)
    {
        var dir = SandboxDirectory(name);
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, "output.log");
    }
}
