using System.Collections.Concurrent;
using System.Net;
using Weft.Core.Addressing;

namespace Weft.Agent.Dns;

/// <summary>
/// Who asks Weft's DNS on the host's own DNS address (<see cref="DnsListeners.HostListenerKey"/>): containers of an engine
/// that sends their queries from an address Weft does not hand out. Docker's embedded resolver forwards what it does not
/// know from the container's namespace, along its default route, which docker_gwbridge carries; so the query comes from
/// the container's gwbridge address, which <see cref="Docker.DockerNames"/> notes here with the container's sandbox.
/// Other clients on the engine's local bridges (docker0's containers, say) may have names forwarded upstream; anyone
/// else is refused, so the host address is never an open resolver.
/// </summary>
public sealed class HostDnsClients
{
    private readonly ConcurrentDictionary<IPAddress, string> _sandboxes = new();
    private IReadOnlyList<IpNetwork> _localBridges = [];

    public void Add(IPAddress address, string sandboxId) => _sandboxes[address] = sandboxId;

    /// <summary>Forgets the addresses of sandboxes that are gone.</summary>
    public void Retain(Func<string, bool> sandboxExists)
    {
        foreach (var (address, sandbox) in _sandboxes)
        {
            if (!sandboxExists(sandbox))
            {
                _sandboxes.TryRemove(address, out _);
            }
        }
    }

    /// <summary>The subnets of the engine's own bridges on this host, whose clients may have names forwarded upstream.</summary>
    public void SetLocalBridges(IReadOnlyList<IpNetwork> subnets) => Volatile.Write(ref _localBridges, subnets);

    public bool TryGetSandbox(IPAddress client, out string sandboxId) => _sandboxes.TryGetValue(client, out sandboxId!);

    public bool IsOnLocalBridge(IPAddress client) => Volatile.Read(ref _localBridges).Any(s => s.Contains(client));
}
