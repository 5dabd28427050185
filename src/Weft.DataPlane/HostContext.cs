using Weft.Core.Model;

namespace Weft.DataPlane;

/// <summary>Where this host's data plane is built: who the host is, and where its named network namespaces are mounted.</summary>
/// <param name="NetnsDirectory">The directory of named network namespaces; null: /run/netns, where `ip netns` looks.</param>
public sealed record HostContext(HostIdentity Host, string? NetnsDirectory = null)
{
    public string HostName => Host.Name;

    public Underlay Underlay => Host.Underlay;
}
