using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Weft.Agent.Telemetry;

namespace Weft.Agent.Api;

/// <summary>What the API records about each request it answered: a count and a duration by route and status, and a log line for every 5xx.</summary>
internal static class ApiTelemetry
{
    public static void Record(HttpContext http, long started, string? failure, ILogger log)
    {
        var status = http.Response.StatusCode;
        // The route's pattern, not the path: /v1/sandboxes/{name}, so that names never become label values.
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
        var method = new KeyValuePair<string, object?>("method", http.Request.Method);
        var routeTag = new KeyValuePair<string, object?>("route", route);
        AgentMeters.ApiRequests.Add(1, method, routeTag, new KeyValuePair<string, object?>("status", status));
        AgentMeters.ApiDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, method, routeTag);
        if (status >= 500)
        {
            log.LogError("API {Method} {Path} answered {Status}: {Error}", http.Request.Method, http.Request.Path.Value, status, failure ?? "(no error body)");
        }
    }
}
