using Weft.Core.Errors;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Serialization.Metadata;

namespace Weft.Api;

/// <summary>
/// A client of the agent's local API over its unix socket. Errors come back as <see cref="WeftApiException"/>
/// carrying the agent's code and message; an agent that is not running is reported as such, with how to start it.
/// </summary>
public sealed class WeftApiClient : IDisposable
{
    public const string DefaultSocketPath = "/run/weft/weft.sock";
    /// <summary>Overrides the socket path, as the lab does for each simulated host.</summary>
    public const string SocketEnvironmentVariable = "WEFT_SOCKET";

    /// <summary>
    /// On a read the agent answered from its last view of the cluster because the store does not answer: when the store
    /// stopped answering (ISO 8601). Absent on fresh answers.
    /// </summary>
    public const string StaleSinceHeader = "Weft-Stale-Since";

    private readonly HttpClient _http;

    /// <summary>Called when an answer is stale (<see cref="StaleSinceHeader"/>), with since when; the CLI warns.</summary>
    public Action<DateTimeOffset>? StaleAnswer { get; set; }

    public WeftApiClient(string? socketPath = null, TimeSpan? timeout = null)
    {
        SocketPath = socketPath ?? Environment.GetEnvironmentVariable(SocketEnvironmentVariable) ?? DefaultSocketPath;
        _http = UnixSocketHttp.CreateClient(SocketPath, new Uri("http://weft/"), timeout ?? TimeSpan.FromSeconds(60));
    }

    public string SocketPath { get; }

    public Task<AgentStatus> StatusAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "v1/status", null, ApiJsonContext.Default.AgentStatus, ct);

    /// <summary>What `weft doctor` needs from the agent: the hosts, networks and the store's health and clock.</summary>
    public Task<DoctorClusterView> DoctorAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "v1/doctor", null, ApiJsonContext.Default.DoctorClusterView, ct);

    public Task<NetworkSummary[]> ListNetworksAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "v1/networks", null, ApiJsonContext.Default.NetworkSummaryArray, ct);

    public Task<NetworkDetail> CreateNetworkAsync(CreateNetworkRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "v1/networks", JsonContent.Create(request, ApiJsonContext.Default.CreateNetworkRequest), ApiJsonContext.Default.NetworkDetail, ct);

    public Task<NetworkDetail> InspectNetworkAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"v1/networks/{Uri.EscapeDataString(name)}", null, ApiJsonContext.Default.NetworkDetail, ct);

    public Task RemoveNetworkAsync(string name, bool force = false, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"v1/networks/{Uri.EscapeDataString(name)}?force={(force ? "true" : "false")}", null, ct);

    public Task<SandboxDetail> ConnectAsync(string network, ConnectRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"v1/networks/{Uri.EscapeDataString(network)}/connect", JsonContent.Create(request, ApiJsonContext.Default.ConnectRequest), ApiJsonContext.Default.SandboxDetail, ct);

    public Task<SandboxDetail> DisconnectAsync(string network, ConnectRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"v1/networks/{Uri.EscapeDataString(network)}/disconnect", JsonContent.Create(request, ApiJsonContext.Default.ConnectRequest), ApiJsonContext.Default.SandboxDetail, ct);

    /// <summary>The sandboxes on this host, or with <paramref name="all"/> on every host.</summary>
    public Task<SandboxDetail[]> ListSandboxesAsync(bool all = false, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"v1/sandboxes?all={(all ? "true" : "false")}", null, ApiJsonContext.Default.SandboxDetailArray, ct);

    public Task<SandboxDetail> CreateSandboxAsync(CreateSandboxRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "v1/sandboxes", JsonContent.Create(request, ApiJsonContext.Default.CreateSandboxRequest), ApiJsonContext.Default.SandboxDetail, ct);

    public Task<SandboxDetail> InspectSandboxAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"v1/sandboxes/{Uri.EscapeDataString(name)}", null, ApiJsonContext.Default.SandboxDetail, ct);

    public Task RemoveSandboxAsync(string name, bool force = false, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"v1/sandboxes/{Uri.EscapeDataString(name)}?force={(force ? "true" : "false")}", null, ct);

    /// <summary>SIGTERM to the sandbox's processes, SIGKILL after <paramref name="timeoutSeconds"/>; the sandbox and its addresses stay.</summary>
    public Task<SandboxDetail> StopSandboxAsync(string name, int timeoutSeconds = 10, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"v1/sandboxes/{Uri.EscapeDataString(name)}/stop?timeout={timeoutSeconds}", null, ApiJsonContext.Default.SandboxDetail, ct);

    /// <summary>Runs a stopped sandbox's command again, in the same namespaces; a running one is left as it is.</summary>
    public Task<SandboxDetail> StartSandboxAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"v1/sandboxes/{Uri.EscapeDataString(name)}/start", null, ApiJsonContext.Default.SandboxDetail, ct);

    /// <summary>Sends <paramref name="signal"/> (a number) to every process of the sandbox.</summary>
    public Task<SandboxDetail> KillSandboxAsync(string name, int signal = 9, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"v1/sandboxes/{Uri.EscapeDataString(name)}/kill?signal={signal}", null, ApiJsonContext.Default.SandboxDetail, ct);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var response = await SendRawAsync(method, path, body, ct);
        return await response.Content.ReadFromJsonAsync(type, ct)
            ?? throw new WeftApiException(ErrorCodes.Internal, $"the agent sent an empty answer to {method} /{path}", (int)response.StatusCode);
    }

    private async Task SendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken ct)
    {
        using var response = await SendRawAsync(method, path, body, ct);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // HttpClient reports its own timeout as a cancellation nobody asked for.
            throw new WeftApiException(ErrorCodes.AgentTimeout,
                $"the weft agent on {SocketPath} did not answer {method} /{path} within {_http.Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException or IOException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new WeftApiException(ErrorCodes.AgentUnavailable,
                $"the weft agent is not running (no answer on {SocketPath}); start it with `weft agent --store URL` or `systemctl start weft`");
        }
        if (response.IsSuccessStatusCode)
        {
            if (StaleAnswer is { } stale && response.Headers.TryGetValues(StaleSinceHeader, out var values)
                && DateTimeOffset.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var since))
            {
                stale(since);
            }
            return response;
        }
        using (response)
        {
            ApiErrorBody? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ApiErrorBody, ct);
            }
            catch (System.Text.Json.JsonException)
            {
                // Not our error shape: fall through to the status line.
            }
            throw error?.Error is { } e
                ? new WeftApiException(e.Code, e.Message, (int)response.StatusCode, e.ExitCode)
                : new WeftApiException(response.StatusCode == HttpStatusCode.NotFound ? ErrorCodes.NotFound : ErrorCodes.Internal,
                    $"{method} /{path}: {(int)response.StatusCode} {response.ReasonPhrase}", (int)response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();
}
