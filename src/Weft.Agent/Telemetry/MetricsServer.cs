using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRoutingCore();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(address));
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            await beforeScrape(http.RequestAborted);
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await http.Response.WriteAsync(collector.Collect(), http.RequestAborted);
        });
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>The meters the agent's endpoint serves.</summary>
    public static IReadOnlyCollection<string> Meters { get; } = [AgentMeters.MeterName, AgentObservations.MeterName, MeteredClusterStore.MeterName];
}
