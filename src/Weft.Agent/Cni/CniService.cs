using System.Text;
using Microsoft.Extensions.Logging;
using Weft.Agent.Endpoints;
using Weft.Agent.Sandboxes;
using Weft.Agent.State;
using Weft.Api.Cni;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Cni;

/// <summary>
/// The server side of `weft-cni`: the third front end of the endpoint lifecycle. ADD reserves an endpoint and joins its
/// interface into the runtime's namespace (CNI_NETNS), configured by Weft; DEL releases it and takes the interface away,
/// and succeeds whatever is already gone (no namespace, a reboot, an agent restart in between); CHECK looks inside the
/// namespace; GC releases this host's CNI endpoints the runtime no longer lists; STATUS says whether ADD can work.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A container is a sandbox record whose id comes from the host and CNI_CONTAINERID, so every network it joins (eth0,
/// eth1, ...) and every later DEL or GC finds the same one without any state in the plugin. Its name is Weft's own and
/// unique in the cluster; the container's name (Podman's K8S_POD_NAME) and aliases are the endpoint's DNS names.</item>
/// <item>ADD and DEL record intents as `weft run` does, so a crash in between is settled at the next start.</item>
/// </list>
/// </remarks>
public sealed class CniService(
    AgentContext context,
    ClusterView view,
    SandboxCatalog sandboxes,
    NetworkCatalog networks,
    EndpointLifecycle lifecycle,
    IntentJournal intents,
    ReservationUnderIntent underIntent,
    ILogger<CniService> log)
{
    private string HostId => context.HostId;

    public async Task<CniResult> AddAsync(CniCall call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        var conf = CniNetConf.Parse(call.Config);
        var args = CniArgs.Parse(call.Args);
        var (containerId, ifName) = Identify(call);
        var netns = call.Netns is { Length: > 0 } n ? n : throw Missing("CNI_NETNS");
        if (!File.Exists(netns))
        {
            throw new CniException(CniErrorCodes.InvalidEnvironment, $"CNI_NETNS={netns} does not exist");
        }
        var network = await RequireNetworkAsync(conf.Network, ct);
        var sandboxId = SandboxIdOf(containerId);
        var snapshot = await view.FreshAsync(ct);
        if (snapshot.EndpointsOfSandbox(sandboxId).FirstOrDefault(e => e.InterfaceName == ifName) is { } existing)
        {
            var old = snapshot.SandboxById(sandboxId);
            if (old is null || old.NetworkNamespace == netns || File.Exists(old.NetworkNamespace))
            {
                throw new CniException(CniErrorCodes.Refused, $"container {WeftIds.Short(containerId)} already has {ifName} (on Weft network '{existing.NetworkName}')",
                    "a runtime deletes an attachment (DEL) before it adds the same interface again");
            }
            // Its namespace is gone and the DEL never came (the agent was down, or the host rebooted): a leftover.
            log.LogInformation("CNI container {Container}: {Interface} of a namespace that is gone is released first", WeftIds.Short(containerId), ifName);
            await RemoveAsync(snapshot, [existing], ct);
            snapshot = await view.FreshAsync(ct);
        }
        var sandbox = snapshot.SandboxById(sandboxId);
        var addition = TxnAddition.None;
        SandboxRecord? made = null; // the record this ADD makes, which its undo removes with the endpoint
        if (sandbox is null)
        {
            made = sandbox = new SandboxRecord
            {
                Id = sandboxId,
                Name = $"cni-{WeftIds.Short(sandboxId)}",
                HostId = HostId,
                Engine = SandboxEngine.Cni,
                Hostname = args.Name,
                NetworkNamespace = netns,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            addition = sandboxes.Claim(sandbox);
        }
        else if (sandbox.NetworkNamespace != netns)
        {
            // Started again (a new namespace) while another of its networks was never deleted: the new namespace is the one.
            sandbox = sandbox with { NetworkNamespace = netns };
            await view.WaitForRevisionAsync(await sandboxes.UpdateAsync(sandbox, ct), ct);
        }
        var spec = new EndpointSpec
        {
            NetworkName = network.Name,
            SandboxId = sandbox.Id,
            HostId = HostId,
            InterfaceName = ifName,
            ContainerName = args.Name,
            Hostname = args.Name,
            Aliases = [.. conf.Aliases.Where(a => a != args.Name)],
            Address = args.Ip,
            Mac = args.Mac,
        };
        var intent = intents.Begin(IntentKind.Connect, sandbox.Name, sandbox.Id, [new IntentEndpoint(network.Id, network.Name, spec.Id)], null);
        EndpointRecord endpoint;
        (endpoint, snapshot) = await underIntent.RunAsync(intent, () => lifecycle.ReserveAsync([spec], addition, ct), async (reservation, reserved) =>
        {
            using (var held = await lifecycle.LockKernelAsync(ct))
            {
                await lifecycle.JoinAsync(held, reserved, reservation.Endpoints[0], netns);
            }
            return (reservation.Endpoints[0], reserved);
        }, i => UndoAsync(i, made));
        log.LogInformation("CNI container {Container} joined network {Network} as {Interface} ({Address})", WeftIds.Short(containerId), network.Name, ifName, endpoint.Address);
        var carrier = InterfaceOrder.DefaultRouteCarrier(snapshot.EndpointsOfSandbox(sandbox.Id), snapshot.NetworkById);
        var driver = lifecycle.Drivers.For(network);
        return CniResults.Build(conf.CniVersion, endpoint, network, netns, MtuInside(netns, ifName), carrier?.Id == endpoint.Id,
            driver.DnsAddress(network), SandboxFiles.ReadHostFile("/etc/resolv.conf"));
    }

    /// <summary>Releases the attachment if there is one; nothing there is success, as the spec asks of DEL.</summary>
    public async Task DeleteAsync(CniCall call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        CniNetConf.Parse(call.Config);
        var (containerId, ifName) = Identify(call);
        var sandboxId = SandboxIdOf(containerId);
        var snapshot = await view.FreshAsync(ct);
        var gone = snapshot.EndpointsOfSandbox(sandboxId).Where(e => e.InterfaceName == ifName && e.HostId == HostId).ToList();
        if (gone.Count > 0)
        {
            await RemoveAsync(snapshot, gone, ct);
            log.LogInformation("CNI container {Container}: {Interface} released", WeftIds.Short(containerId), ifName);
        }
        else if (snapshot.SandboxById(sandboxId) is { } empty && !snapshot.EndpointsOfSandbox(sandboxId).Any())
        {
            await sandboxes.RemoveAsync(empty.Name, empty.Id, [], ct);
        }
    }

    /// <summary>The attachment is there and as ADD made it: the interface in the namespace, with its MAC and address.</summary>
    public async Task CheckAsync(CniCall call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        var conf = CniNetConf.Parse(call.Config);
        var (containerId, ifName) = Identify(call);
        var netns = call.Netns is { Length: > 0 } n ? n : throw Missing("CNI_NETNS");
        await RequireNetworkAsync(conf.Network, ct);
        var snapshot = await view.FreshAsync(ct);
        var endpoint = snapshot.EndpointsOfSandbox(SandboxIdOf(containerId)).FirstOrDefault(e => e.InterfaceName == ifName)
            ?? throw new CniException(CniErrorCodes.Refused, $"container {WeftIds.Short(containerId)} has no {ifName} on Weft network '{conf.Network}'");
        if (!File.Exists(netns))
        {
            throw new CniException(CniErrorCodes.Refused, $"CNI_NETNS={netns} does not exist");
        }
        using var ns = NetworkNamespace.OpenPath(netns);
        using var nl = ns.OpenNetlink();
        var link = nl.FindLink(ifName) ?? throw new CniException(CniErrorCodes.Refused, $"{ifName} is missing from {netns}", "it was deleted after ADD; DEL and ADD again");
        if (link.MacAddress is { } mac && !mac.GetAddressBytes().AsSpan().SequenceEqual(endpoint.Mac.ToBytes()))
        {
            throw new CniException(CniErrorCodes.Refused, $"{ifName} in {netns} has MAC {string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))}, not {endpoint.Mac}");
        }
        if (endpoint.Address is { } address && !nl.ListAddresses(link.Index).Any(a => a.Address.Equals(address)))
        {
            throw new CniException(CniErrorCodes.Refused, $"{ifName} in {netns} lacks its address {address}");
        }
    }

    /// <summary>Releases this host's attachments to the config's network that are not in the valid-attachments list.</summary>
    public async Task GarbageCollectAsync(CniCall call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        var conf = CniNetConf.Parse(call.Config);
        var valid = (conf.ValidAttachments ?? throw new CniException(CniErrorCodes.InvalidConfig, "GC needs cni.dev/valid-attachments"))
            .Select(a => (SandboxIdOf(a.ContainerId), a.IfName)).ToHashSet();
        var snapshot = await view.FreshAsync(ct);
        var gone = snapshot.Endpoints.Values
            .Where(e => e.HostId == HostId && e.NetworkName == conf.Network && snapshot.SandboxById(e.SandboxId) is { Engine: SandboxEngine.Cni }
                && !valid.Contains((e.SandboxId, e.InterfaceName)))
            .ToList();
        if (gone.Count > 0)
        {
            await RemoveAsync(snapshot, gone, ct);
            log.LogInformation("CNI GC on network {Network}: released {Count} attachment(s) the runtime no longer lists", conf.Network, gone.Count);
        }
        snapshot = view.Current;
        foreach (var empty in snapshot.Sandboxes.Values.Where(s => s.HostId == HostId && s.Engine == SandboxEngine.Cni && !snapshot.EndpointsOfSandbox(s.Id).Any()
            && !valid.Any(v => v.Item1 == s.Id)))
        {
            await sandboxes.RemoveAsync(empty.Name, empty.Id, [], ct);
        }
    }

    /// <summary>Ready when the cluster store answers and the network exists: ADD needs both.</summary>
    public async Task StatusAsync(CniCall call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        var conf = CniNetConf.Parse(call.Config);
        if (!view.Loaded || !view.StoreReachable)
        {
            throw new CniException(CniErrorCodes.NotAvailable, "the Weft cluster store is unreachable: ADD cannot reserve addresses now", view.StoreError);
        }
        try
        {
            await RequireNetworkAsync(conf.Network, ct);
        }
        catch (CniException e)
        {
            throw new CniException(CniErrorCodes.NotAvailable, e.Message, e.Details);
        }
    }

    /// <summary>
    /// Releases endpoints (with their sandbox when it keeps none), then takes their interfaces away: the store first, so a
    /// store that is down changes nothing and the runtime's retry finds everything as it was.
    /// </summary>
    private async Task RemoveAsync(ClusterSnapshot snapshot, IReadOnlyList<EndpointRecord> gone, CancellationToken ct)
    {
        foreach (var group in gone.GroupBy(e => e.SandboxId, StringComparer.Ordinal))
        {
            var keys = group.Select(EndpointKey.Of).ToList();
            var sandbox = snapshot.SandboxById(group.Key);
            var intent = intents.Begin(IntentKind.Disconnect, sandbox?.Name ?? group.Key, group.Key,
                [.. group.Select(e => new IntentEndpoint(e.NetworkId, e.NetworkName, e.Id))], null);
            try
            {
                var revision = await lifecycle.ReleaseWithSandboxAsync(snapshot, sandbox, keys, ct);
                if (revision > 0)
                {
                    await view.WaitForRevisionAsync(revision, ct);
                }
            }
            catch
            {
                intents.End(intent); // the store wrote nothing, and the runtime is told so (and retries)
                throw;
            }
            using (var held = await lifecycle.LockKernelAsync(CancellationToken.None))
            {
                foreach (var e in group)
                {
                    lifecycle.Leave(held, snapshot.NetworkById(e.NetworkId), e.Id);
                }
            }
            intents.End(intent);
        }
    }

    /// <summary>
    /// Undoes a failed ADD: the kernel first, then the store (with the sandbox record ADD made, unless another attachment
    /// now uses it); or later, when the store cannot be written now.
    /// </summary>
    private Task UndoAsync(Intent intent, SandboxRecord? madeSandbox) =>
        underIntent.UndoAsync(intent, $"a CNI ADD of {intent.SandboxName}", async ct =>
        {
            using (var held = await lifecycle.LockKernelAsync(ct))
            {
                foreach (var e in intent.Endpoints)
                {
                    lifecycle.Leave(held, view.Current.NetworkById(e.NetworkId), e.EndpointId);
                }
            }
            await lifecycle.ReleaseWithSandboxAsync(view.Current, madeSandbox, [.. intent.Endpoints.Select(e => new EndpointKey(e.NetworkId, e.EndpointId))], ct);
        });

    private static (string ContainerId, string IfName) Identify(CniCall call) =>
        (call.ContainerId is { Length: > 0 } c ? c : throw Missing("CNI_CONTAINERID"), call.IfName is { Length: > 0 } i ? i : throw Missing("CNI_IFNAME"));

    private static CniException Missing(string variable) => new(CniErrorCodes.InvalidEnvironment, $"{variable} is not set");

    /// <summary>One container of this host, whichever network or interface a call names.</summary>
    private string SandboxIdOf(string containerId) =>
        Convert.ToHexStringLower(Weft.Core.Hashing.Sha256.HashData(Encoding.UTF8.GetBytes($"cni\n{HostId}\n{containerId}")));

    private async Task<NetworkRecord> RequireNetworkAsync(string name, CancellationToken ct)
    {
        var network = view.Current.Networks.TryGetValue(name, out var n) ? n : await networks.GetAsync(name, ct);
        if (network is null)
        {
            throw new CniException(CniErrorCodes.InvalidConfig, $"no Weft network named '{name}'", $"create it first (weft network create {name}), or name another with \"network\"");
        }
        if (network.Driver is not (NetworkDriver.Overlay or NetworkDriver.Bridge))
        {
            throw new CniException(CniErrorCodes.InvalidConfig, $"Weft network '{name}' has the {network.Driver.ToName()} driver",
                "a CNI container joins overlay and bridge networks; its runtime owns its namespace");
        }
        return network;
    }

    private static int MtuInside(string netns, string ifName)
    {
        using var ns = NetworkNamespace.OpenPath(netns);
        using var nl = ns.OpenNetlink();
        return nl.GetLink(ifName).Mtu ?? 0;
    }
}
