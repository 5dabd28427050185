using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using System.Net;
using Weft.Agent.Api;
using Weft.Agent.Dns;
using Weft.Agent.Docker;
using Weft.Agent.Host;
using Weft.Agent.Endpoints;
using Weft.Agent.Kernel;
using Weft.Agent.Liveness;
using Weft.Agent.Reconcile;
using Weft.Agent.Sandboxes;
using Weft.Agent.Telemetry;
using Weft.Api;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.DataPlane;
using Weft.Dns;
using Weft.Store;

namespace Weft.Agent;

/// <summary>
/// `weft agent`: wires the parts together and runs them until stopped. It keeps running, and keeps the
/// data plane as it was, while the store is unreachable; it registers and follows the cluster again as
/// soon as the store answers.
/// </summary>
public static class AgentHost
{
    public static async Task<int> RunAsync(AgentOptions options, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var loggerFactory = CreateLoggerFactory(options);
        var log = loggerFactory.CreateLogger("weft.agent");
        var systemd = new SystemdNotify();

        var version = typeof(AgentHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        var underlay = UnderlayDetection.Detect(options.AdvertiseAddress);
        var hostName = options.HostName ?? Environment.MachineName;
        Core.Naming.NameRules.ValidateHostName(hostName);
        var hostIsNew = !File.Exists(Path.Combine(options.StateDirectory, "host-id"));
        var identity = new HostIdentity(HostIdFile.LoadOrCreate(options.StateDirectory), hostName, underlay);
        var context = new AgentContext(identity, options, version);
        var hostId = identity.Id;
        log.LogInformation("weft {Version}: host {Name} ({Id}) underlay {Address} on {Device} mtu {Mtu}; store {Store}{Prefix}",
            version, hostName, hostId[..12], underlay.Address, underlay.Device, underlay.Mtu, options.StoreUrl,
            options.StorePrefix is null ? "" : $" under prefix {options.StorePrefix}");
        if (options.ExecHandoff is null)
        {
            log.LogWarning("no {Executable} beside this weft: sandbox commands are exec'd by a shell, so `run -d` cannot hear when the command's exec fails after its lookup (a missing interpreter, a foreign binary); that shows only in the sandbox's log",
                Linux.Processes.ExecHandoff.ExecutableName);
        }

        await using var store = new MeteredClusterStore(await ClusterStore.OpenAsync(options.StoreUrl, new ClusterStoreOptions { KeyPrefix = options.StorePrefix }, stop));
        string clusterId;
        try
        {
            clusterId = await ClusterMembership.JoinAsync(store, options.StateDirectory, hostId, hostIsNew, options.JoinNewCluster, stop);
        }
        catch (ClusterIdentityException e)
        {
            log.LogCritical("{Error}", e.Message);
            return 1;
        }
        log.LogInformation("cluster {Cluster}", clusterId);
        var view = new ClusterView(store) { ClusterId = clusterId };
        using var kernelLock = new KernelLock();
        using var drivers = new NetworkDriverRegistry(context.DataPlane);
        var intents = new IntentJournal(context.IntentDirectory);
        var hostDnsClients = new HostDnsClients();
        await using var dnsServer = new DnsServer(new ClusterDnsDirectory(view, hostId, hostDnsClients), DnsUpstreamFor(options),
            new DnsServerOptions { ClientQueriesPerSecond = options.DnsClientRate, ClientBurst = Math.Max(1, 2 * options.DnsClientRate) });
        await using var dns = new DnsListeners(dnsServer, drivers, loggerFactory.CreateLogger<DnsListeners>());
        var liveness = new PeerLiveness(view, hostId, loggerFactory.CreateLogger<PeerLiveness>());
        using var reconciler = new Reconciler(view, drivers, kernelLock, dns, intents, hostId, options.ResyncInterval, options.NetworkLinger, liveness.Decided,
            loggerFactory.CreateLogger<Reconciler>());
        // The agent's operations (API writes, settling, CNI, Docker) fail at once while the store is known unreachable and
        // wait a few seconds at most otherwise; the view, the probe and the registration use the store itself.
        var operations = new FailFastClusterStore(store, view.UnreachableReason);
        var registration = new HostRegistration(store, identity, version, options.HostTtl);
        var lifecycle = new EndpointLifecycle(hostId, view, new EndpointCatalog(operations), new SandboxCatalog(operations), drivers, kernelLock, dns);
        var underIntent = new ReservationUnderIntent(intents, loggerFactory.CreateLogger<ReservationUnderIntent>());
        var sandboxes = new SandboxService(context, view, new SandboxCatalog(operations), new NetworkCatalog(operations), lifecycle, intents, underIntent, loggerFactory.CreateLogger<SandboxService>());
        var reaper = new HostReaper(store, options.GracePeriod);

        AgentStatus Status()
        {
            var s = view.Current;
            return new AgentStatus(hostId, hostName, underlay.Address.ToString(), registration.Incarnation, version, store.Location,
                view.StoreReachable && view.Loaded, view.StoreError, s.Revision, s.LiveHosts.Count, reconciler.ProgrammedNetworks,
                s.Sandboxes.Values.Count(x => x.HostId == hostId), registration.StartedAt,
                view.StoreReachable ? null : view.StoreReachableSince, clusterId, [.. s.HeldHosts.Select(s.HostName).Order(StringComparer.Ordinal)]);
        }

        var cni = new Cni.CniService(context, view, new SandboxCatalog(operations), new NetworkCatalog(operations), lifecycle, intents, underIntent, loggerFactory.CreateLogger<Cni.CniService>());
        var probes = new UnderlayProbeService(underlay, loggerFactory.CreateLogger<UnderlayProbeService>());
        var api = new ApiServer(context, view, new NetworkCatalog(operations), sandboxes, cni, new ApiViews(drivers), new DoctorViews(context, view, store, drivers, probes), Status);
        await using var web = await api.StartAsync(new ForwardingLoggerProvider(loggerFactory), stop);
        log.LogInformation("API listening on {Socket}", options.SocketPath);
        await using var docker = await DockerIntegration.StartAsync(context, view, operations, lifecycle, dns, hostDnsClients, loggerFactory, new ForwardingLoggerProvider(loggerFactory), stop);
        using var exits = new SandboxExitLog(view, hostId, loggerFactory.CreateLogger<SandboxExitLog>());
        using var observations = new AgentObservations(view, reconciler, dnsServer.Stats, hostId);
        using var collector = options.MetricsAddress is null ? null : new PrometheusCollector(MetricsServer.Meters);
        await using var metrics = collector is null ? null : await MetricsServer.StartAsync(options.MetricsAddress!, collector,
            async ct => observations.StoreRevisionSeen((await store.ListAsync(ClusterKeys.RevisionProbe, ct)).Revision),
            new ForwardingLoggerProvider(loggerFactory), stop);
        if (metrics is not null)
        {
            log.LogInformation("metrics on http://{Address}/metrics", options.MetricsAddress);
        }

        var tasks = new[]
        {
            docker?.RunAsync(stop) ?? Task.CompletedTask,
            RetryAsync("registration", () => registration.StartAsync(stop), log, stop),
            view.RunAsync(stop),
            new StoreProbe(store, view, clusterId).RunAsync(stop),
            liveness.RunAsync(stop),
            reconciler.RunAsync(stop),
            SettleLoopAsync(view, sandboxes, stop),
            ReapLoopAsync(view, reaper, log, stop),
            ClusterLog.RunAsync(view, hostId, log, stop),
            exits.RunAsync(stop),
            probes.RunAsync(stop),
            NotifyReadyAsync(systemd, view, reconciler, log, stop),
            IdleMemoryTrim.RunAsync(stop),
        };
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        // The data plane stays as it is: stopping the agent must not cut traffic. The host record expires
        // after its TTL unless the agent is back before then.
        systemd.Stopping();
        await registration.StopAsync(withdraw: false);
        log.LogInformation("agent stopped; the data plane stays up");
        return 0;
    }

    /// <summary>
    /// Settles what a crash left (interrupted operations, processes of sandboxes the store no longer has) once the view is
    /// complete, then again every half minute, and sooner while an operation is still unsettled (the store was down).
    /// </summary>
    private static async Task SettleLoopAsync(ClusterView view, SandboxService sandboxes, CancellationToken stop)
    {
        while (!view.Loaded && !stop.IsCancellationRequested)
        {
            await view.WaitForChangeAsync(view.Version, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        while (!stop.IsCancellationRequested)
        {
            var left = await sandboxes.SettleAsync(stop);
            await Task.Delay(left > 0 ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(30), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Tells systemd (Type=notify) that the agent is ready once the API answers (it does: this runs after it started)
    /// and the first reconcile pass is done; until then, the status line says what it waits for.
    /// </summary>
    private static async Task NotifyReadyAsync(SystemdNotify systemd, ClusterView view, Reconciler reconciler, ILogger log, CancellationToken stop)
    {
        while (!reconciler.FirstPass.IsCompleted && !stop.IsCancellationRequested)
        {
            var seen = view.Version;
            systemd.Status(view.StoreReachable ? "API up; reading the cluster store" : $"API up; waiting for the cluster store: {view.StoreError}");
            await Task.WhenAny(reconciler.FirstPass, view.WaitForChangeAsync(seen, stop));
        }
        if (reconciler.FirstPass.IsCompleted)
        {
            var s = view.Current;
            var status = $"ready: {s.LiveHosts.Count} host(s) live, {reconciler.ProgrammedNetworks.Count} overlay network(s) here";
            systemd.Ready(status);
            log.LogInformation("{Status}", status);
        }
    }

    private static ILoggerFactory CreateLoggerFactory(AgentOptions options) => LoggerFactory.Create(b =>
    {
        // Every line carries its date and time in UTC, in both formats: a log read next to another host's is comparable.
        const string Timestamp = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        if (options.LogFormat == AgentLogFormat.Json)
        {
            b.AddJsonConsole(o =>
            {
                o.TimestampFormat = Timestamp.TrimEnd();
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = Timestamp;
                o.UseUtcTimestamp = true;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
        b.SetMinimumLevel(options.LogLevel);
    });

    private static DnsUpstream DnsUpstreamFor(AgentOptions options) =>
        options.DnsUpstreams.Count == 0
            ? DnsUpstream.FromResolvConf("/etc/resolv.conf")
            : new DnsUpstream([.. options.DnsUpstreams.Select(ParseEndpoint)]);

    private static IPEndPoint ParseEndpoint(string text) =>
        IPEndPoint.TryParse(text, out var ep) ? (ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep)
        : throw new ArgumentException($"--dns-upstream '{text}' must be IP or IP:PORT");

    private static async Task RetryAsync(string what, Func<Task> action, ILogger log, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await action();
                return;
            }
            catch (StoreException e)
            {
                log.LogWarning("{What}: {Error}; retrying", what, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static async Task ReapLoopAsync(ClusterView view, HostReaper reaper, ILogger log, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!view.Loaded || stop.IsCancellationRequested)
            {
                continue;
            }
            try
            {
                var freed = await reaper.SweepAsync(view.Current, stop);
                if (freed > 0)
                {
                    log.LogInformation("freed the allocations of {Count} host(s) gone longer than {Grace}", freed, reaper.GracePeriod);
                }
            }
            catch (StoreException e)
            {
                log.LogDebug("reaper: {Error}", e.Message);
            }
        }
    }

    /// <summary>Lets Kestrel log through the agent's factory without owning it.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
