using Weft.Core.Errors;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Weft.Api;

namespace Weft.Cli.Tests.Support;

/// <summary>One request the stand-in agent received.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, string Body);

/// <summary>
/// A stand-in for `weft agent`: Kestrel on a unix socket under /tmp/wtt-cli-*, answering each "METHOD /path?query"
/// with a canned status and body and recording every request. Anything not canned gets the API's 404 error body.
/// </summary>
public sealed class FakeAgent : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (int Status, string Body)> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private FakeAgent(TempDirectory directory)
    {
        _directory = directory;
        SocketPath = directory.File("agent.sock");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(SocketPath));
        _app = builder.Build();
        _app.Run(AnswerAsync);
    }

    public string SocketPath { get; }

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public static async Task<FakeAgent> StartAsync()
    {
        var agent = new FakeAgent(new TempDirectory());
        await agent._app.StartAsync();
        return agent;
    }

    public FakeAgent Answer<T>(string methodAndPath, T body, JsonTypeInfo<T> type, int status = 200)
    {
        _answers[methodAndPath] = (status, JsonSerializer.Serialize(body, type));
        return this;
    }

    public FakeAgent AnswerEmpty(string methodAndPath, int status = 204)
    {
        _answers[methodAndPath] = (status, "");
        return this;
    }

    public FakeAgent AnswerError(string methodAndPath, int status, string code, string message) =>
        Answer(methodAndPath, new ApiErrorBody(new ApiError(code, message)), ApiJsonContext.Default.ApiErrorBody, status);

    public FakeAgent AnswerRaw(string methodAndPath, int status, string body)
    {
        _answers[methodAndPath] = (status, body);
        return this;
    }

    /// <summary>The body of the one request received for "METHOD /path?query".</summary>
    public string BodyOf(string methodAndPath) =>
        Assert.Single(_received, r => $"{r.Method} {r.PathAndQuery}" == methodAndPath).Body;

    private async Task AnswerAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var pathAndQuery = http.Request.Path.Value + http.Request.QueryString.Value;
        _received.Enqueue(new ReceivedRequest(http.Request.Method, pathAndQuery, await reader.ReadToEndAsync()));

        var (status, body) = _answers.TryGetValue($"{http.Request.Method} {pathAndQuery}", out var answer)
            ? answer
            : (404, JsonSerializer.Serialize(new ApiErrorBody(new ApiError(ErrorCodes.NotFound, $"nothing canned for {pathAndQuery}")), ApiJsonContext.Default.ApiErrorBody));
        http.Response.StatusCode = status;
        if (body.Length > 0)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _directory.Dispose();
    }
}
