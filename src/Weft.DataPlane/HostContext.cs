using Weft.Core.Model;

namespace Weft.DataPlane;

/// <summary>Where this host's data plane is built: who the host is, and where its named network namespaces are mounted.</summary>
/// <param name="NetnsDirectory">The directory of named network namespaces; null: /run/netns, where `ip netns` looks.</param>
/// <param name="SharedDnsAddress">
/// An address every overlay network's bridge also holds (a /32 beside its gateway), where Weft's DNS answers too: one
/// address a container on any Weft network reaches through that network, whatever its engine makes of its resolvers
/// (Docker forwards what it does not know there). Null: none.
/// </param>
public sealed record HostContext(HostIdentity Host, string? NetnsDirectory = null, System.Net.IPAddress? SharedDnsAddress = null)
{
    public string HostName => Host.Name;

    public Underlay Underlay => Host.Underlay;
}
