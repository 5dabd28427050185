using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Weft.Agent.Api;

namespace Weft.Agent.Docker;

/// <summary>
/// The socket Docker finds the plugin on (/run/docker/plugins/weft.sock, or a spec file naming it): one POST per call,
/// named by its path (/NetworkDriver.Join). Docker sends no Content-Type, so bodies are read here rather than bound by
/// Kestrel (which would answer 415), and an empty body or a JSON null stands for no options. Every failure goes back as
/// the protocol's {"Err": "..."} with status 500, which Docker shows to the user and rolls back on.
/// </summary>
public sealed class DockerPluginServer(DockerDriver driver, ILogger<DockerPluginServer> log)
{
    private static DockerPluginJsonContext Json => DockerPluginJsonContext.Default;

    public async Task<WebApplication> StartAsync(string socketPath, ILoggerProvider logs, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        if (File.Exists(socketPath))
        {
            File.Delete(socketPath); // left by an agent that died
        }
        var app = KestrelApp.CreateBuilder(logs, k => k.ListenUnixSocket(socketPath)).Build();
        app.MapPost("/{call}", (string call, HttpContext http) => HandleAsync(call, http));
        await app.StartAsync(ct);
        return app;
    }

    private async Task HandleAsync(string call, HttpContext http)
    {
        var ct = http.RequestAborted;
        try
        {
            switch (call)
            {
                case "Plugin.Activate":
                    await WriteAsync(http, DockerDriver.Activate(), Json.ActivateResponse);
                    break;
                case "NetworkDriver.GetCapabilities":
                    await WriteAsync(http, DockerDriver.Capabilities(), Json.NetworkCapabilities);
                    break;
                case "IpamDriver.GetCapabilities":
                    await WriteAsync(http, DockerDriver.IpamCapabilities(), Json.IpamCapabilities);
                    break;
                case "IpamDriver.GetDefaultAddressSpaces":
                    await WriteAsync(http, DockerDriver.AddressSpaces(), Json.AddressSpaces);
                    break;
                case "IpamDriver.RequestPool":
                    await WriteAsync(http, await driver.RequestPoolAsync(await ReadAsync(http, Json.RequestPoolRequest)), Json.RequestPoolResponse);
                    break;
                case "IpamDriver.ReleasePool":
                    await DockerDriver.ReleasePoolAsync(await ReadAsync(http, Json.ReleasePoolRequest));
                    await EmptyAsync(http);
                    break;
                case "IpamDriver.RequestAddress":
                    await WriteAsync(http, await driver.RequestAddressAsync(await ReadAsync(http, Json.RequestAddressRequest), ct), Json.RequestAddressResponse);
                    break;
                case "IpamDriver.ReleaseAddress":
                    await driver.ReleaseAddressAsync(await ReadAsync(http, Json.ReleaseAddressRequest), ct);
                    await EmptyAsync(http);
                    break;
                case "NetworkDriver.CreateNetwork":
                    await driver.CreateNetworkAsync(await ReadAsync(http, Json.CreateNetworkRequest), ct);
                    await EmptyAsync(http);
                    break;
                case "NetworkDriver.DeleteNetwork":
                    await driver.DeleteNetworkAsync(await ReadAsync(http, Json.NetworkRequest), ct);
                    await EmptyAsync(http);
                    break;
                case "NetworkDriver.CreateEndpoint":
                    await WriteAsync(http, await driver.CreateEndpointAsync(await ReadAsync(http, Json.CreateEndpointRequest), ct), Json.CreateEndpointResponse);
                    break;
                case "NetworkDriver.Join":
                    await WriteAsync(http, await driver.JoinAsync(await ReadAsync(http, Json.JoinRequest), ct), Json.JoinResponse);
                    break;
                case "NetworkDriver.Leave":
                    await driver.LeaveAsync(await ReadAsync(http, Json.EndpointRequest), ct);
                    await EmptyAsync(http);
                    break;
                case "NetworkDriver.DeleteEndpoint":
                    await driver.DeleteEndpointAsync(await ReadAsync(http, Json.EndpointRequest), ct);
                    await EmptyAsync(http);
                    break;
                case "NetworkDriver.EndpointOperInfo":
                    await WriteAsync(http, new EndpointInfoResponse([]), Json.EndpointInfoResponse);
                    break;
                // Egress and published ports go through Docker's own docker_gwbridge (Join returns no gateway), so there is
                // no external connectivity of Weft's to program; discovery is the cluster store's job, not Docker's gossip.
                case "NetworkDriver.ProgramExternalConnectivity":
                case "NetworkDriver.RevokeExternalConnectivity":
                case "NetworkDriver.DiscoverNew":
                case "NetworkDriver.DiscoverDelete":
                    await EmptyAsync(http);
                    break;
                default:
                    // AllocateNetwork and FreeNetwork belong to swarm, which a local-scope driver never sees.
                    throw new NotSupportedException($"{call} is not a call the weft plugin serves");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException && !http.Response.HasStarted)
        {
            var (_, error) = ErrorMapping.Map(e);
            log.LogWarning("Docker {Call}: {Code}: {Error}", call, error.Code, error.Message);
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await WriteBodyAsync(http, new PluginError(error.Message), Json.PluginError);
        }
    }

    /// <summary>The request's body; an empty body or JSON null is refused by name, since every call with a body needs one.</summary>
    private static async Task<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type) where T : class =>
        await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted)
            ?? throw new JsonException($"{http.Request.Path}: the request has no body");

    private static Task WriteAsync<T>(HttpContext http, T value, JsonTypeInfo<T> type) => WriteBodyAsync(http, value, type);

    private static Task EmptyAsync(HttpContext http) => WriteBodyAsync(http, new EmptyResponse(), Json.EmptyResponse);

    private static async Task WriteBodyAsync<T>(HttpContext http, T value, JsonTypeInfo<T> type)
    {
        http.Response.ContentType = "application/vnd.docker.plugins.v1+json";
        await JsonSerializer.SerializeAsync(http.Response.Body, value, type, http.RequestAborted);
    }
}
