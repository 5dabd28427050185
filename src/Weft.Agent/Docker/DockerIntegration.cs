using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Weft.Agent.Dns;
using Weft.Agent.Endpoints;
using Weft.Cluster;
using Weft.Store;

namespace Weft.Agent.Docker;

/// <summary>
/// Docker as a front end of this agent, composed: the plugin socket Docker calls, the client of the local dockerd, the
/// mirror of the cluster's networks into Docker, and Weft's DNS on the host's own DNS address for Docker's containers.
/// Off when the agent runs without a plugin socket (`--docker-plugin-socket none`).
/// </summary>
public sealed class DockerIntegration : IAsyncDisposable
{
    private readonly DockerEngine _engine;
    private readonly WebApplication _plugin;
    private readonly DockerNetworkMirror _mirror;

    private DockerIntegration(DockerEngine engine, WebApplication plugin, DockerNetworkMirror mirror)
    {
        _engine = engine;
        _plugin = plugin;
        _mirror = mirror;
    }

    public static async Task<DockerIntegration?> StartAsync(AgentContext context, ClusterView view, IClusterStore store, EndpointLifecycle lifecycle,
        DnsListeners dns, HostDnsClients dnsClients, ILoggerFactory loggers, ILoggerProvider logs, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(loggers);
        if (context.Options.DockerPluginSocket is not { } socket)
        {
            return null;
        }
        if (context.Options.ContainerDnsAddress is { } address)
        {
            await dns.StartHostAsync(address);
        }
        var engine = new DockerEngine(context.Options.DockerSocket);
        try
        {
            var endpoints = new EndpointCatalog(store);
            var sandboxes = new SandboxCatalog(store);
            var names = new DockerNames(engine, endpoints, dnsClients, loggers.CreateLogger<DockerNames>());
            var driver = new DockerDriver(context, view, new NetworkCatalog(store), endpoints, sandboxes, lifecycle, engine, names, loggers.CreateLogger<DockerDriver>());
            var plugin = await new DockerPluginServer(driver, loggers.CreateLogger<DockerPluginServer>()).StartAsync(socket, logs, stop);
            loggers.CreateLogger<DockerIntegration>().LogInformation("Docker plugin 'weft' on {Socket}; dockerd expected on {Docker}", socket, engine.SocketPath);
            var mirror = new DockerNetworkMirror(context, view, engine, driver, names, endpoints, sandboxes, dnsClients, loggers.CreateLogger<DockerNetworkMirror>());
            return new DockerIntegration(engine, plugin, mirror);
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>Follows the cluster into the local Docker until stopped (quietly waiting while dockerd is not there).</summary>
    public Task RunAsync(CancellationToken stop) => _mirror.RunAsync(stop);

    public async ValueTask DisposeAsync()
    {
        await _plugin.DisposeAsync();
        _engine.Dispose();
    }
}
