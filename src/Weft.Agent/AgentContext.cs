using Weft.Core.Model;
using Weft.DataPlane;

namespace Weft.Agent;

/// <summary>Facts about this agent that every component needs, fixed at start.</summary>
public sealed record AgentContext(HostIdentity Host, AgentOptions Options, string Version)
{
    public string HostId => Host.Id;

    public string HostName => Host.Name;

    /// <summary>Where this host's data plane is built.</summary>
    public HostContext DataPlane => new(Host, Options.NetnsDirectory, Options.ContainerDnsAddress);

    /// <summary>The directory of named network namespaces, as recorded in sandbox records.</summary>
    public string NetnsDirectory => Options.NetnsDirectory ?? Linux.Namespaces.NetworkNamespace.DefaultRunDirectory;

    /// <summary>Where a sandbox's resolv.conf, hosts and output.log live.</summary>
    public string SandboxDirectory(string name) => Path.Combine(Options.RunDirectory, "sandboxes", name);

    /// <summary>Where operations in flight leave their intents (<see cref="Endpoints.IntentJournal"/>).</summary>
    public string IntentDirectory => Path.Combine(Options.RunDirectory, "intents");
}
