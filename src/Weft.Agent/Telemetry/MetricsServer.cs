using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Weft.Agent.Api;
using Weft.Store;

namespace Weft.Agent.Telemetry;

/// <summary>
/// `weft agent --metrics-addr IP:PORT`: GET /metrics in Prometheus's text format, on a listener of its own (never the
/// API's socket, and the API never on this port: the API has no authentication beyond the socket's file mode).
/// </summary>
public static class MetricsServer
{
    public static async Task<WebApplication> StartAsync(IPEndPoint address, PrometheusCollector collector, Func<CancellationToken, Task> beforeScrape,
        ILoggerProvider logs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(beforeScrape);
        var app = KestrelApp.CreateBuilder(logs, k => k.Listen(address)).Build();
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            await beforeScrape(http.RequestAborted);
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await http.Response.WriteAsync(collector.Collect(), http.RequestAborted);
        });
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>
    /// The meters the agent's endpoint serves: Weft's own, and the runtime's (`System.Runtime`: GC heap and commit by
    /// generation, thread pool, exceptions), which say where an agent's memory goes (docs/decisions.md, "Footprint").
    /// </summary>
    public static IReadOnlyCollection<string> Meters { get; } = [AgentMeters.MeterName, AgentObservations.MeterName, MeteredClusterStore.MeterName, RuntimeMeterName];

    public const string RuntimeMeterName = "System.Runtime";
}
