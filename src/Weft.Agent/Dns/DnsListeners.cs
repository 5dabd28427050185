using System.Net;
using Microsoft.Extensions.Logging;
using Weft.Core.Model;
using Weft.DataPlane;
using Weft.Dns;
using Weft.Linux;

namespace Weft.Agent.Dns;

/// <summary>
/// One DNS listener per network this host programs, bound to the network's gateway address inside the network's
/// own namespace (an overlay) or the host's (a bridge). Only sandboxes on that network can reach it: nothing
/// listens on the underlay or the host's public addresses, so Weft never becomes an open resolver.
/// </summary>
/// <remarks>
/// A socket keeps its namespace alive after the namespace is unmounted, and with it the VXLAN device and its UDP
/// port. So listeners of a network must be stopped before its namespace is removed: <see cref="SyncAsync"/> runs
/// before the reconciler removes anything. Callers hold the kernel lock.
/// </remarks>
public sealed class DnsListeners(DnsServer server, NetworkDriverRegistry drivers, ILogger log) : IAsyncDisposable
{
    /// <summary>Sandboxes find the server on the standard port of their resolv.conf's nameserver.</summary>
    public const int Port = 53;

    /// <summary>The key of the listener on the host's own DNS address (<see cref="StartHostAsync"/>); network listeners use network ids.</summary>
    public const string HostListenerKey = "host";

    private DnsListener? _host;

    private readonly Dictionary<string, Entry> _byNetwork = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastError = new(StringComparer.Ordinal);

    /// <summary>Stops the listeners of networks not in <paramref name="programmed"/> and makes sure each of those has one.</summary>
    public async Task SyncAsync(IReadOnlyCollection<NetworkRecord> programmed)
    {
        ArgumentNullException.ThrowIfNull(programmed);
        var wanted = programmed.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in _byNetwork.Keys.Where(id => !wanted.Contains(id)).ToList())
        {
            await StopAsync(id);
        }
        foreach (var network in programmed)
        {
            await EnsureAsync(network);
        }
    }

    /// <summary>Starts the network's listeners unless they already serve its current namespace and addresses.</summary>
    public async Task EnsureAsync(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var driver = drivers.For(network);
        var addresses = driver.DnsListenAddresses(network);
        if (addresses.Count == 0)
        {
            return;
        }
        try
        {
            using var ns = driver.OpenGatewayNamespace(network);
            if (ns is null)
            {
                return; // not built on this host (yet): the next pass after it is built starts the listener
            }
            var identity = ns.Identity;
            if (_byNetwork.TryGetValue(network.Id, out var entry))
            {
                if (entry.NamespaceIdentity == identity && entry.Addresses.SequenceEqual(addresses))
                {
                    return;
                }
                await StopAsync(network.Id); // the namespace was rebuilt: the old sockets hold the old one alive
            }
            // Sockets belong to the namespace of the thread that creates them, and stay there.
            var sockets = ns.Run(() => addresses.Select(a => DnsListenerSockets.Bind(a, Port)).ToList());
            _byNetwork[network.Id] = new Entry([.. sockets.Select(p => server.Listen(network.Id, p.Udp, p.Tcp))], identity, addresses);
            _lastError.Remove(network.Id);
            log.LogInformation("DNS for network {Network} on {Addresses} port {Port}", network.Name, string.Join(", ", addresses), Port);
        }
        catch (Exception e) when (e is KernelException or System.Net.Sockets.SocketException)
        {
            // Retried on the next pass; said once per distinct failure rather than every pass.
            if (!_lastError.TryGetValue(network.Id, out var last) || last != e.Message)
            {
                _lastError[network.Id] = e.Message;
                log.LogWarning("DNS for network {Network} on {Addresses}: {Error}; retrying", network.Name, string.Join(", ", addresses), e.Message);
            }
        }
    }

    /// <summary>
    /// Answers on <paramref name="address"/> in the host's own namespace (the calling thread's): a /32 on the loopback,
    /// which containers reach along their default route whatever network they are on. Docker's daemon-wide `--dns`
    /// points there, so its containers' queries for names Docker does not know reach Weft (see <see cref="HostDnsClients"/>).
    /// </summary>
    public Task StartHostAsync(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var nl = NetlinkHandle.Open();
        var lo = nl.GetLink("lo");
        if (!nl.ListAddresses(lo.Index).Any(a => a.Address.Equals(address)))
        {
            nl.AddAddress(new Linux.Routing.LinkAddress(lo.Index, address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
        }
        var (udp, tcp) = DnsListenerSockets.Bind(address, Port);
        _host = server.Listen(HostListenerKey, udp, tcp);
        log.LogInformation("DNS for this host's containers on {Address}:{Port}", address, Port);
        return Task.CompletedTask;
    }

    private async Task StopAsync(string networkId)
    {
        if (_byNetwork.Remove(networkId, out var entry))
        {
            foreach (var listener in entry.Listeners)
            {
                await listener.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _byNetwork.Keys.ToList())
        {
            await StopAsync(id);
        }
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private sealed record Entry(IReadOnlyList<DnsListener> Listeners, string NamespaceIdentity, IReadOnlyList<IPAddress> Addresses);
}
