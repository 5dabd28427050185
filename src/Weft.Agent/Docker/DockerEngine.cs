using System.Net;
using System.Net.Http.Json;
using Weft.Api;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Weft.Agent.Docker;

/// <summary>A network as the local dockerd's API shows it.</summary>
public sealed record DockerNetwork(
    string Id,
    string Name,
    string Driver,
    bool Internal,
    DockerIpam? IPAM,
    Dictionary<string, DockerNetworkContainer>? Containers,
    Dictionary<string, string>? Options);

/// <summary>One container on a Docker network, with the endpoint Docker made for it.</summary>
public sealed record DockerNetworkContainer(string? Name, string EndpointID);

/// <summary>What Weft reads of `docker inspect CONTAINER`: its name, hostname and, per network, aliases and address.</summary>
public sealed record DockerContainer(string Id, string Name, DockerContainerConfig? Config, DockerNetworkSettings? NetworkSettings);

public sealed record DockerContainerConfig(string? Hostname);

public sealed record DockerNetworkSettings(Dictionary<string, DockerEndpointSettings>? Networks);

public sealed record DockerEndpointSettings(IReadOnlyList<string>? Aliases, string? EndpointID, string? IPAddress);

public sealed record DockerIpamConfig(string? Subnet, string? Gateway, string? IPRange);

public sealed record DockerIpam(string Driver, IReadOnlyList<DockerIpamConfig> Config);

public sealed record DockerCreateNetwork(string Name, string Driver, DockerIpam IPAM, bool Internal, Dictionary<string, string> Options, bool CheckDuplicate);

public sealed record DockerCreated(string Id);

public sealed record DockerApiError(string Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DockerNetwork))]
[JsonSerializable(typeof(DockerNetwork[]))]
[JsonSerializable(typeof(DockerContainer))]
[JsonSerializable(typeof(DockerCreateNetwork))]
[JsonSerializable(typeof(DockerCreated))]
[JsonSerializable(typeof(DockerApiError))]
internal sealed partial class DockerEngineJsonContext : JsonSerializerContext;

/// <summary>dockerd did not answer, or answered with an error; the message says which call and why.</summary>
public sealed class DockerEngineException(string message, HttpStatusCode? status = null, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// A client of the local dockerd's API over its unix socket: what the plugin protocol never tells (a network's name, a
/// container's name and aliases) is asked here, and the networks the cluster has are made here. API version 1.41 is
/// Docker 20.10's, which every later Docker still serves.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    private const string Api = "v1.41";
    private readonly HttpClient _http;

    public DockerEngine(string socketPath)
    {
        SocketPath = socketPath;
        _http = UnixSocketHttp.CreateClient(socketPath, new Uri("http://docker/"), TimeSpan.FromSeconds(30));
    }

    public string SocketPath { get; }

    /// <summary>The network, or null while dockerd does not have it (yet, or any more).</summary>
    public Task<DockerNetwork?> GetNetworkAsync(string idOrName, CancellationToken ct) =>
        GetOrNullAsync($"{Api}/networks/{Uri.EscapeDataString(idOrName)}", DockerEngineJsonContext.Default.DockerNetwork, ct);

    /// <summary>Every network of <paramref name="driver"/> (`docker network ls --filter driver=...`).</summary>
    public async Task<DockerNetwork[]> ListNetworksAsync(string driver, CancellationToken ct)
    {
        var filters = Uri.EscapeDataString($$"""{"driver":["{{driver}}"]}""");
        return await GetOrNullAsync($"{Api}/networks?filters={filters}", DockerEngineJsonContext.Default.DockerNetworkArray, ct) ?? [];
    }

    public Task<DockerContainer?> GetContainerAsync(string id, CancellationToken ct) =>
        GetOrNullAsync($"{Api}/containers/{Uri.EscapeDataString(id)}/json", DockerEngineJsonContext.Default.DockerContainer, ct);

    public async Task<string> CreateNetworkAsync(DockerCreateNetwork network, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{Api}/networks/create",
            JsonContent.Create(network, DockerEngineJsonContext.Default.DockerCreateNetwork), $"create network {network.Name}", ct);
        var created = await response.Content.ReadFromJsonAsync(DockerEngineJsonContext.Default.DockerCreated, ct);
        return created?.Id ?? throw new DockerEngineException($"dockerd created network {network.Name} without saying its id");
    }

    /// <summary>Removes a network; one that is gone already is not an error.</summary>
    public async Task RemoveNetworkAsync(string id, CancellationToken ct)
    {
        try
        {
            using var _ = await SendAsync(HttpMethod.Delete, $"{Api}/networks/{Uri.EscapeDataString(id)}", null, $"remove network {id}", ct);
        }
        catch (DockerEngineException e) when (e.Status == HttpStatusCode.NotFound)
        {
        }
    }

    private async Task<T?> GetOrNullAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) where T : class
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Get, path, null, "GET /" + path, ct);
            return await response.Content.ReadFromJsonAsync(type, ct);
        }
        catch (DockerEngineException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? body, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new DockerEngineException($"dockerd does not answer on {SocketPath} ({what}): {e.Message}", inner: e);
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            string? message = null;
            try
            {
                message = (await response.Content.ReadFromJsonAsync(DockerEngineJsonContext.Default.DockerApiError, ct))?.Message;
            }
            catch (JsonException)
            {
            }
            throw new DockerEngineException($"dockerd refused to {what}: {message ?? response.ReasonPhrase}", response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();
}
