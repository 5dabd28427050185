using System.Net.Sockets;
using Weft.Api;
using System.Text.Json;
using Weft.Api.Cni;

namespace Weft.Cni;

/// <summary>
/// One plugin call sent to the agent's API over its unix socket. The agent's answer is printed as it is; an agent that
/// is not there is the spec's "try again later" (11), naming the socket, since the runtime may retry once it runs.
/// </summary>
internal static class AgentForwarder
{
    /// <summary>ADD waits for a store transaction and kernel work; a minute is far beyond either, and short of runtimes' own limits.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<(bool Ok, string Output)> ForwardAsync(string socket, string command, CniCall call, string version)
    {
        using var http = UnixSocketHttp.CreateClient(socket, new Uri("http://weft/"), Timeout);
        using var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(call, CniJsonContext.Default.CniCall));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await http.PostAsync(new Uri($"v1/cni/{command.ToLowerInvariant()}", UriKind.Relative), body);
            var text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                return (true, text);
            }
            // The agent answers errors in the spec's shape; anything else came from something that is not a Weft agent.
            return IsCniError(text) ? (false, text)
                : (false, Error(version, CniErrorCodes.Internal, $"the agent on {socket} answered HTTP {(int)response.StatusCode}", text));
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException or null)
        {
            var why = File.Exists(socket) ? e.InnerException?.Message ?? e.Message : "no such socket";
            return (false, Error(version, CniErrorCodes.TryAgainLater, $"the Weft agent is not running: nothing answers on {socket} ({why})",
                "start it (systemctl start weft), or set \"socket\" in the conflist to where it listens"));
        }
        catch (TaskCanceledException)
        {
            return (false, Error(version, CniErrorCodes.TryAgainLater, $"the Weft agent on {socket} did not answer within {Timeout.TotalSeconds:0} s"));
        }
    }

    public static string Error(string version, int code, string message, string? details = null) =>
        CniJson.Serialize(new CniError(version, code, message, details));

    private static bool IsCniError(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
