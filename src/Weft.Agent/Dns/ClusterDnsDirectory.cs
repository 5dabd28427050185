using System.Net;
using Weft.Cluster;
using Weft.Dns;

namespace Weft.Agent.Dns;

/// <summary>
/// Answers the DNS server's "who is asking?" from the cluster view. Listeners are keyed by network id; a client
/// is the endpoint with its address on that network. The index is rebuilt when the snapshot changes, so names
/// arrive and leave with the same watch event that programs the FDB entries.
/// </summary>
/// <remarks>
/// The host's own DNS address (<see cref="DnsListeners.HostListenerKey"/>) serves clients that <see cref="HostDnsClients"/>
/// knows: a known container gets its sandbox's scope, a client on an engine's local bridge may only have names forwarded.
/// </remarks>
public sealed class ClusterDnsDirectory(ClusterView view, string localHostId, HostDnsClients hostClients) : IDnsDirectory
{
    private DnsIndex? _index;

    public IDnsScope? ScopeFor(string listenerKey, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        if (listenerKey != DnsListeners.HostListenerKey)
        {
            return Current().ScopeFor(listenerKey, address);
        }
        return hostClients.TryGetSandbox(address, out var sandboxId) ? (IDnsScope?)Current().ScopeOfSandbox(sandboxId) ?? ForwardOnlyScope.Instance
            : hostClients.IsOnLocalBridge(address) ? ForwardOnlyScope.Instance
            : null;
    }

    private DnsIndex Current()
    {
        var snapshot = view.Current;
        var index = Volatile.Read(ref _index);
        if (index is null || !ReferenceEquals(index.Snapshot, snapshot))
        {
            // Two queries racing here may both build; either result is right, and the last one stays.
            index = DnsIndex.Build(snapshot, localHostId);
            Volatile.Write(ref _index, index);
        }
        return index;
    }
}
