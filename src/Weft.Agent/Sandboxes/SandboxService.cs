using Microsoft.Extensions.Logging;
using Weft.Agent.Endpoints;
using Weft.Agent.State;
using Weft.Api;
using Weft.Cluster;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// `weft run`, `rm`, `network connect` and `disconnect` for Weft's own sandboxes: the first front end of the endpoint
/// lifecycle. Every operation records an intent before it writes anything, so after a crash at any point the next start
/// undoes a half-made sandbox or connect, and finishes a half-done removal or disconnect (<see cref="SettleAsync"/>).
/// </summary>
/// <remarks>
/// One rule orders every teardown: finishing a removal the user asked for writes the store first, so nothing is stopped
/// or unplugged unless the store has recorded it (a store that is down means "nothing was changed", and is true); undoing
/// a creation nobody waits for any more tears down the kernel first, and retries the store until it answers.
/// </remarks>
public sealed class SandboxService(
    AgentContext context,
    ClusterView view,
    SandboxCatalog sandboxes,
    NetworkCatalog networks,
    EndpointLifecycle lifecycle,
    IntentJournal intents,
    ReservationUnderIntent underIntent,
    ILogger<SandboxService> log)
{
    private string HostId => context.HostId;

    /// <summary>One start, stop or kill at a time, so two starts never run the command twice.</summary>
    private readonly ProcessTurn _processes = new();

    public async Task<SandboxRecord> CreateAsync(CreateSandboxRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var extraHosts = SandboxRules.Validate(request.Name, request.Hostname, request.ExtraHosts, [.. request.Networks.Select(n => n.Network)]);
        var networkRecords = new List<NetworkRecord>();
        foreach (var n in request.Networks)
        {
            networkRecords.Add(await RequireNetworkAsync(n.Network, ct));
        }
        SandboxRules.RequireCompatible(networkRecords);
        SandboxRules.RequireNamesFree(request.Name, [.. request.Networks.Select((n, i) => (networkRecords[i], n.Aliases ?? []))], view.Current);
        var ports = SandboxRules.ValidatePorts(request.Name, request.Ports, networkRecords, n => lifecycle.Drivers.For(n).EgressInterface(n) is not null);
        // A driver may decide the namespace (a host network: the host's own); otherwise the sandbox gets one of its own.
        var shared = networkRecords.Select(n => lifecycle.Drivers.For(n).SharedNamespacePath(n)).FirstOrDefault(p => p is not null);
        var ownNamespace = shared is null ? KernelNames.SandboxNamespaceName(context.HostName, request.Name) : null;
        var record = new SandboxRecord
        {
            Id = WeftIds.New(),
            Name = request.Name,
            HostId = HostId,
            Hostname = request.Hostname,
            ExtraHosts = extraHosts,
            Command = request.Command,
            Ports = ports,
            NetworkNamespace = shared ?? Path.Combine(context.NetnsDirectory, ownNamespace!),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var specs = request.Networks.Select((n, i) => SpecFor(record, n, KernelNames.SandboxInterfaceName(i))).ToList();
        var intent = intents.Begin(IntentKind.CreateSandbox, record.Name, record.Id,
            [.. specs.Select((s, i) => new IntentEndpoint(networkRecords[i].Id, s.NetworkName, s.Id))], ownNamespace);
        CrashPoints.Reached("run.intent");
        // The namespace is made while the store reserves, with no name until the reservation holds: a refused name may be
        // a sandbox's that exists, and so is its namespace's.
        var made = ownNamespace is null ? null : Task.Run(NewSandboxNamespace, CancellationToken.None);
        return await ThenDropAsync(made, underIntent.RunAsync(intent, () => lifecycle.ReserveAsync(specs, sandboxes.Claim(record), ct), async (reservation, snapshot) =>
        {
            CrashPoints.Reached("run.reserved");
            using (var held = await lifecycle.LockKernelAsync(ct))
            {
                if (ownNamespace is not null)
                {
                    NameOwnNamespace(ownNamespace, await made!);
                    CrashPoints.Reached("run.namespace");
                }
                foreach (var endpoint in reservation.Endpoints)
                {
                    await lifecycle.JoinAsync(held, snapshot, endpoint, record.NetworkNamespace);
                    CrashPoints.Reached("run.joined");
                }
            }
            WriteFiles(record, reservation.Endpoints, snapshot);
            CrashPoints.Reached("run.files");
            if (record.Command.Count > 0)
            {
                // Kept beside the sandbox's other files (root's, on the run directory's tmpfs), never in the cluster store:
                // `weft start` needs it again, and other hosts have no business with its secrets.
                SandboxFiles.WriteEnvironment(context.SandboxDirectory(record.Name), request.Environment);
                using var ns = NetworkNamespace.OpenPath(record.NetworkNamespace);
                var (pid, startTime) = SandboxProcess.Start(ns, context.HostName, record, SandboxFiles.Setup(context.SandboxDirectory(record.Name), record.Hostname),
                    request.Environment, LogPath(record.Name), context.Options.ExecHandoff);
                CrashPoints.Reached("run.started");
                record = record with { Pid = pid, PidStartTime = startTime };
                await sandboxes.UpdateAsync(record, ct);
                CrashPoints.Reached("run.recorded");
            }
            log.LogInformation("sandbox {Name} created with {Count} endpoint(s)", record.Name, reservation.Endpoints.Count);
            return record;
        }, UndoAsync));
    }

    /// <summary>Awaits <paramref name="work"/>, then closes the unnamed namespace: named, it lives on in its mount; unused, it goes.</summary>
    private static async Task<T> ThenDropAsync<T>(Task<NetworkNamespace>? made, Task<T> work)
    {
        try
        {
            return await work;
        }
        finally
        {
            made?.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    public async Task<SandboxRecord> ConnectAsync(string networkName, ConnectRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = await RequireLocalSandboxAsync(request.Sandbox, ct);
        var network = await RequireNetworkAsync(networkName, ct);
        var current = view.Current.EndpointsOfSandbox(record.Id).ToList();
        SandboxRules.RequireConnectable(record, network, current, view.Current.NetworkById);
        SandboxRules.RequireNamesFree(record.Name, [(network, request.Aliases ?? [])], view.Current);
        var spec = SpecFor(record, new SandboxNetworkSpec(networkName, request.Ip, request.Aliases), InterfaceOrder.Next(current));
        var created = await sandboxes.CreateRevisionAsync(record.Name, record.Id, ct) ?? throw WeftErrors.SandboxNotFound(record.Name);
        var intent = intents.Begin(IntentKind.Connect, record.Name, record.Id, [new IntentEndpoint(network.Id, network.Name, spec.Id)], null);
        return await underIntent.RunAsync(intent, () => lifecycle.ReserveAsync([spec], sandboxes.Exists(record, created), ct), async (reservation, snapshot) =>
        {
            CrashPoints.Reached("connect.reserved");
            using (var held = await lifecycle.LockKernelAsync(ct))
            {
                await lifecycle.JoinAsync(held, snapshot, reservation.Endpoints[0], record.NetworkNamespace);
                CrashPoints.Reached("connect.joined");
            }
            WriteFiles(record, [.. snapshot.EndpointsOfSandbox(record.Id)], snapshot);
            return record;
        }, UndoAsync);
    }

    public async Task<SandboxRecord> DisconnectAsync(string networkName, ConnectRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = await RequireLocalSandboxAsync(request.Sandbox, ct);
        var endpoint = view.Current.EndpointsOfSandbox(record.Id).FirstOrDefault(e => e.NetworkName == networkName)
            ?? throw new WeftValidationException(ErrorCodes.NotFound, $"sandbox '{record.Name}' is not connected to network '{networkName}'");
        SandboxRules.RequireDisconnectable(record, networkName);
        var intent = intents.Begin(IntentKind.Disconnect, record.Name, record.Id, [new IntentEndpoint(endpoint.NetworkId, endpoint.NetworkName, endpoint.Id)], null);
        await FinishAsync(intent, ct);
        WriteFiles(record, [.. view.Current.EndpointsOfSandbox(record.Id)], view.Current);
        return record;
    }

    public async Task RemoveAsync(string name, bool force, CancellationToken ct)
    {
        var record = await RequireLocalSandboxAsync(name, ct);
        if (SandboxProcess.IsRunning(record) && !force)
        {
            throw new WeftValidationException(ErrorCodes.InUse, $"sandbox '{name}' is running (pid {record.Pid}); stop it first or force the removal");
        }
        var endpoints = view.Current.EndpointsOfSandbox(record.Id).Select(e => new IntentEndpoint(e.NetworkId, e.NetworkName, e.Id)).ToList();
        var intent = intents.Begin(IntentKind.RemoveSandbox, record.Name, record.Id, endpoints, OwnNamespaceOf(record));
        await FinishAsync(intent, ct);
        log.LogInformation("sandbox {Name} removed", name);
    }

    /// <summary>
    /// `weft stop`: SIGTERM to the sandbox's processes, SIGKILL after <paramref name="grace"/>. The sandbox keeps its
    /// namespace, endpoints and addresses, and shows as exited until `weft start` or `weft rm`.
    /// </summary>
    public async Task<SandboxRecord> StopAsync(string name, TimeSpan grace, CancellationToken ct)
    {
        var record = await RequireOwnProcessSandboxAsync(name, ct);
        using (await _processes.LockAsync(ct))
        {
            if (await SandboxProcess.StopAsync(context.HostName, record.Id, grace, ct))
            {
                log.LogInformation("sandbox {Name} stopped", name);
            }
        }
        return record;
    }

    /// <summary>`weft kill`: one signal to every process of the sandbox; refused when none runs, as Docker does.</summary>
    public async Task<SandboxRecord> KillAsync(string name, int signal, CancellationToken ct)
    {
        if (signal is < 1 or > 64)
        {
            throw new WeftValidationException(ErrorCodes.BadRequest, $"signal {signal} is not a signal number (1-64)");
        }
        var record = await RequireOwnProcessSandboxAsync(name, ct);
        using (await _processes.LockAsync(ct))
        {
            if (SandboxProcess.SignalAll(context.HostName, record.Id, signal) == 0)
            {
                throw new WeftValidationException(ErrorCodes.BadRequest, $"sandbox '{name}' is not running");
            }
        }
        return record;
    }

    /// <summary>
    /// `weft start`: runs the sandbox's command (from `run -d`) again, with the same environment, in the same namespaces,
    /// with the same addresses; a sandbox whose process runs is left as it is, as `docker start` does.
    /// </summary>
    public async Task<SandboxRecord> StartAsync(string name, CancellationToken ct)
    {
        var record = await RequireOwnProcessSandboxAsync(name, ct);
        if (record.Command.Count == 0)
        {
            throw new WeftValidationException(ErrorCodes.BadRequest, $"sandbox '{name}' has no command of its own to start (it was made by a foreground `weft run`)");
        }
        using (await _processes.LockAsync(ct))
        {
            record = await sandboxes.GetAsync(name, ct) ?? throw WeftErrors.SandboxNotFound(name);
            if (SandboxProcess.IsRunning(record))
            {
                return record;
            }
            var directory = context.SandboxDirectory(record.Name);
            using var ns = NetworkNamespace.OpenPath(record.NetworkNamespace);
            var (pid, startTime) = SandboxProcess.Start(ns, context.HostName, record, SandboxFiles.Setup(directory, record.Hostname),
                SandboxFiles.ReadEnvironment(directory), LogPath(record.Name), context.Options.ExecHandoff);
            record = record with { Pid = pid, PidStartTime = startTime };
            var revision = await sandboxes.UpdateAsync(record, ct);
            await view.WaitForRevisionAsync(revision, ct);
            log.LogInformation("sandbox {Name} started again (pid {Pid})", name, pid);
            return record;
        }
    }

    /// <summary>A sandbox of this host whose processes are Weft's to run (not a Docker or CNI container's).</summary>
    private async Task<SandboxRecord> RequireOwnProcessSandboxAsync(string name, CancellationToken ct)
    {
        var record = await RequireLocalSandboxAsync(name, ct);
        if (record.Engine != SandboxEngine.Weft)
        {
            throw new WeftValidationException(ErrorCodes.BadRequest, $"sandbox '{name}' is a {record.Engine.ToString().ToLowerInvariant()} container's; its engine starts and stops it");
        }
        return record;
    }

    /// <summary>
    /// Settles what a crash left: every intent found at start is undone or finished. An intent whose store part cannot be
    /// done yet (the store is down) stays, and the next call tries again; the agent calls this until none is left.
    /// Also ends processes marked as this host's sandboxes that no sandbox of the store claims any more.
    /// </summary>
    public async Task<int> SettleAsync(CancellationToken ct)
    {
        foreach (var intent in intents.Stale)
        {
            try
            {
                if (intent.Kind is IntentKind.RemoveSandbox or IntentKind.Disconnect)
                {
                    await FinishAsync(intent, ct);
                }
                else
                {
                    await UndoAsync(intent);
                }
                log.LogInformation("settled an interrupted {Kind} of sandbox {Name}", intent.Kind, intent.SandboxName);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                log.LogWarning("settling an interrupted {Kind} of sandbox {Name}: {Error}; retrying", intent.Kind, intent.SandboxName, e.Message);
            }
        }
        if (intents.Stale.Count == 0 && view.Loaded && view.StoreReachable)
        {
            var known = view.Current.Sandboxes.Values.Where(s => s.HostId == HostId).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            var killed = SandboxProcess.KillStrays(context.HostName, known.Contains);
            if (killed > 0)
            {
                log.LogInformation("ended {Count} process(es) of sandboxes the store no longer has", killed);
            }
        }
        return intents.Stale.Count;
    }

    /// <summary>Finishes a removal: the store first (so a store that is down changes nothing), then processes, kernel and files.</summary>
    private async Task FinishAsync(Intent intent, CancellationToken ct)
    {
        try
        {
            await ReleaseAsync(intent, ct);
            CrashPoints.Reached(intent.CoversSandbox ? "rm.released" : "disconnect.released");
        }
        catch when (!intents.IsStale(intent))
        {
            intents.End(intent); // nothing was changed, and the caller is told so
            throw;
        }
        await TearDownLocalAsync(intent);
        intents.End(intent);
    }

    /// <summary>Undoes a creation: the kernel first, then the store (or later, when the store cannot be written now).</summary>
    private Task UndoAsync(Intent intent) =>
        underIntent.UndoAsync(intent, $"sandbox {intent.SandboxName}", async ct =>
        {
            await TearDownLocalAsync(intent);
            await ReleaseAsync(intent, ct);
        });

    /// <summary>The store part of a teardown: the endpoints (and for a whole sandbox its record), in one transaction.</summary>
    private async Task ReleaseAsync(Intent intent, CancellationToken ct)
    {
        var keys = intent.Endpoints.Select(e => new EndpointKey(e.NetworkId, e.EndpointId))
            .Concat(intent.CoversSandbox ? view.Current.EndpointsOfSandbox(intent.SandboxId).Select(EndpointKey.Of) : [])
            .Distinct()
            .ToList();
        var revision = intent.CoversSandbox
            ? await sandboxes.RemoveAsync(intent.SandboxName, intent.SandboxId, keys, ct)
            : await lifecycle.ReleaseAsync(keys, TxnAddition.None, ct) ?? 0;
        if (revision > 0)
        {
            await view.WaitForRevisionAsync(revision, ct);
        }
    }

    /// <summary>The local part of a teardown: processes, interfaces, the namespace Weft made, and files.</summary>
    private async Task TearDownLocalAsync(Intent intent)
    {
        if (intent.CoversSandbox)
        {
            SandboxProcess.KillAll(context.HostName, intent.SandboxId);
            CrashPoints.Reached("teardown.killed");
        }
        using (var held = await lifecycle.LockKernelAsync(CancellationToken.None))
        {
            var snapshot = view.Current;
            foreach (var e in intent.Endpoints)
            {
                lifecycle.Leave(held, snapshot.NetworkById(e.NetworkId), e.EndpointId);
            }
            CrashPoints.Reached("teardown.unplugged");
            // Only the namespace Weft made for this sandbox, by the name Weft gives it. A host-network sandbox's is the
            // host's: its pin goes with the host driver, once no sandbox of this host uses it.
            if (intent.OwnNamespace is { } own && NetworkNamespace.Exists(own, context.Options.NetnsDirectory))
            {
                NetworkNamespace.Delete(own, context.Options.NetnsDirectory);
            }
        }
        if (intent.CoversSandbox)
        {
            SandboxFiles.Delete(context.SandboxDirectory(intent.SandboxName));
        }
    }

    /// <summary>A sandbox's namespace, loopback up, with no name yet: it goes with its descriptor if the create fails.</summary>
    private static NetworkNamespace NewSandboxNamespace()
    {
        var ns = NetworkNamespace.CreateAnonymous();
        try
        {
            DataPlane.SandboxInterface.BringUpLoopback(ns);
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    private void NameOwnNamespace(string name, NetworkNamespace made)
    {
        if (NetworkNamespace.Exists(name, context.Options.NetnsDirectory))
        {
            NetworkNamespace.Delete(name, context.Options.NetnsDirectory); // a leftover of a crash
        }
        NetworkNamespace.Attach(name, made.DescriptorPath, context.Options.NetnsDirectory).Dispose();
    }

    private string? OwnNamespaceOf(SandboxRecord record)
    {
        var own = KernelNames.SandboxNamespaceName(context.HostName, record.Name);
        return Path.GetFileName(record.NetworkNamespace) == own ? own : null;
    }

    private void WriteFiles(SandboxRecord record, IReadOnlyList<EndpointRecord> endpoints, ClusterSnapshot snapshot) =>
        SandboxFiles.Write(context.SandboxDirectory(record.Name), record, endpoints, snapshot, n => lifecycle.Drivers.For(n).DnsAddress(n),
            SandboxFiles.ReadHostFile("/etc/resolv.conf"), SandboxRules.SharesHostNamespace(record) ? SandboxFiles.ReadHostFile("/etc/hosts") : "");

    private string LogPath(string name)
    {
        var dir = context.SandboxDirectory(name);
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, "output.log");
    }

    private EndpointSpec SpecFor(SandboxRecord record, SandboxNetworkSpec network, string interfaceName) => new()
    {
        NetworkName = network.Network,
        SandboxId = record.Id,
        HostId = HostId,
        InterfaceName = interfaceName,
        ContainerName = record.Name,
        Hostname = record.Hostname,
        Aliases = network.Aliases ?? [],
        Address = network.Ip is null ? null : IpAddressText.Parse(network.Ip),
    };

    /// <summary>The network from the view, or, when the view has not seen it yet (made on another host a moment ago), from the store.</summary>
    private async Task<NetworkRecord> RequireNetworkAsync(string name, CancellationToken ct) =>
        view.Current.Networks.TryGetValue(name, out var n) ? n
        : await networks.GetAsync(name, ct) ?? throw WeftErrors.NetworkNotFound(name);

    private async Task<SandboxRecord> RequireLocalSandboxAsync(string name, CancellationToken ct)
    {
        var record = view.Current.Sandboxes.TryGetValue(name, out var s) ? s
            : await sandboxes.GetAsync(name, ct) ?? throw WeftErrors.SandboxNotFound(name);
        if (record.HostId != HostId)
        {
            throw new WeftValidationException(ErrorCodes.BadRequest, $"sandbox '{name}' runs on host {view.Current.HostName(record.HostId)}; manage it there");
        }
        return record;
    }
}

/// <summary>A lock for async code: one holder at a time, released by disposing what <see cref="LockAsync"/> returns.</summary>
#pragma warning disable CA1001 // It lives as long as the agent's one SandboxService; a SemaphoreSlim without a wait handle holds nothing to free.
internal sealed class ProcessTurn
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async Task<IDisposable> LockAsync(CancellationToken ct)
    {
        await _semaphore.WaitAsync(ct);
        return new Release(_semaphore);
    }

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
