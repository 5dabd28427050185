using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Weft.Agent.Cni;
using Weft.Agent.Sandboxes;
using Weft.Api.Cni;
using Weft.Api;
using Weft.Cluster;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Store;

namespace Weft.Agent.Api;

/// <summary>The agent's local API (docs/api.md): Kestrel on a unix socket, minimal APIs, source-generated JSON.</summary>
public sealed class ApiServer(AgentContext context, ClusterView view, NetworkCatalog networks, SandboxService sandboxes, CniService cni, ApiViews views, DoctorViews doctor, Func<AgentStatus> status)
{
    public async Task<WebApplication> StartAsync(ILoggerProvider logs, CancellationToken ct)
    {
        var socket = context.Options.SocketPath;
        var descriptor = ApiSocket.BindListening(socket);
        var builder = KestrelApp.CreateBuilder(logs, k => k.ListenHandle(descriptor, listen => listen.Use(KestrelRejections.Filter)));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, CniJsonContext.Default);

        });
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        var app = builder.Build();
        var log = logs.CreateLogger("weft.api");
        app.Use(async (http, next) =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            string? failure = null;
            if (HttpMethods.IsGet(http.Request.Method) && !view.StoreReachable && view.Loaded)
            {
                // Reads answer from the last state seen while the store does not answer: say so, and since when.
                http.Response.Headers[WeftApiClient.StaleSinceHeader] = view.StoreReachableSince.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            }
            try
            {
                await next(http);
                if (http.Response.StatusCode >= 400 && !http.Response.HasStarted)
                {
                    // Routing's 404 and 405 (and any other answer without a body) get the documented error shape too.
                    var error = ErrorMapping.ForStatus(http.Response.StatusCode, http.Request.Method, http.Request.Path.Value ?? "/");
                    failure = $"{error.Code}: {error.Message}";
                    await http.Response.WriteAsJsonAsync(new ApiErrorBody(error), ApiJsonContext.Default.ApiErrorBody);
                }
            }
            catch (Exception e) when (!http.Response.HasStarted)
            {
                var (code, error) = ErrorMapping.Map(e);
                http.Response.StatusCode = code;
                failure = $"{error.Code}: {error.Message}";
                await http.Response.WriteAsJsonAsync(new ApiErrorBody(error), ApiJsonContext.Default.ApiErrorBody);
            }
            finally
            {
                ApiTelemetry.Record(http, started, failure, log);
            }
        });
        Map(app);
        // Kestrel deletes a socket file it bound itself; this one it was handed, so the agent removes it on the way out.
        app.Lifetime.ApplicationStopped.Register(() => File.Delete(socket));
        await app.StartAsync(ct);
        return app;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/v1/status", () => Results.Json(status(), ApiJsonContext.Default.AgentStatus));

        app.MapGet("/v1/doctor", async (CancellationToken ct) => Results.Json(await doctor.BuildAsync(ct), ApiJsonContext.Default.DoctorClusterView));

        app.MapGet("/v1/networks", async (CancellationToken ct) =>
        {
            var s = await FreshAsync(ct);
            return Results.Json(s.Networks.Values.OrderBy(n => n.Name, StringComparer.Ordinal).Select(n => ApiViews.Summary(n, s)).ToArray(), ApiJsonContext.Default.NetworkSummaryArray);
        });

        app.MapPost("/v1/networks", async (CreateNetworkRequest request, CancellationToken ct) =>
        {
            RequestFields.Require((request.Name, "name"), (request.Driver, "driver"), (request.Subnets, "subnets"), (request.Options, "options"), (request.Labels, "labels"));
            var created = await networks.CreateAsync(NetworkRequests.ToSpec(request), ct);
            var s = await view.WaitUntilAsync(s => s.NetworkById(created.Id) is not null, ct);
            return Results.Json(views.Detail(created, s), ApiJsonContext.Default.NetworkDetail, statusCode: StatusCodes.Status201Created);
        });

        app.MapGet("/v1/networks/{name}", async (string name, CancellationToken ct) =>
        {
            var s = await FreshAsync(ct);
            var n = s.Networks.TryGetValue(name, out var found) ? found : throw WeftErrors.NetworkNotFound(name);
            return Results.Json(views.Detail(n, s), ApiJsonContext.Default.NetworkDetail);
        });

        app.MapDelete("/v1/networks/{name}", async (string name, bool? force, CancellationToken ct) =>
        {
            await networks.RemoveAsync(name, force ?? false, ct);
            await view.WaitUntilAsync(s => !s.Networks.ContainsKey(name), ct);
            return Results.NoContent();
        });

        app.MapPost("/v1/networks/{name}/connect", async (string name, ConnectRequest request, CancellationToken ct) =>
            SandboxJson(await sandboxes.ConnectAsync(name, RequestFields.Require(request, (request.Sandbox, "sandbox")), ct)));

        app.MapPost("/v1/networks/{name}/disconnect", async (string name, ConnectRequest request, CancellationToken ct) =>
            SandboxJson(await sandboxes.DisconnectAsync(name, RequestFields.Require(request, (request.Sandbox, "sandbox")), ct)));

        app.MapGet("/v1/sandboxes", async (bool? all, CancellationToken ct) =>
        {
            var s = await FreshAsync(ct);
            var list = s.Sandboxes.Values.Where(x => all == true || x.HostId == context.HostId)
                .OrderBy(x => x.Name, StringComparer.Ordinal)
                .Select(x => ApiViews.Sandbox(x, s, context.HostId, FilesOf(x)))
                .ToArray();
            return Results.Json(list, ApiJsonContext.Default.SandboxDetailArray);
        });

        app.MapPost("/v1/sandboxes", async (CreateSandboxRequest request, CancellationToken ct) =>
        {
            RequestFields.Require((request.Name, "name"), (request.Command, "command"), (request.Networks, "networks"), (request.ExtraHosts, "extraHosts"), (request.Environment, "environment"));
            return SandboxJson(await sandboxes.CreateAsync(request, ct), StatusCodes.Status201Created);
        });

        app.MapGet("/v1/sandboxes/{name}", async (string name, CancellationToken ct) =>
        {
            var s = await FreshAsync(ct);
            return SandboxJson(s.Sandboxes.TryGetValue(name, out var found) ? found : throw WeftErrors.SandboxNotFound(name));
        });

        app.MapDelete("/v1/sandboxes/{name}", async (string name, bool? force, CancellationToken ct) =>
        {
            await sandboxes.RemoveAsync(name, force ?? false, ct);
            return Results.NoContent();
        });

        app.MapPost("/v1/sandboxes/{name}/stop", async (string name, int? timeout, CancellationToken ct) =>
            SandboxJson(await sandboxes.StopAsync(name, TimeSpan.FromSeconds(Math.Max(0, timeout ?? 10)), ct)));

        app.MapPost("/v1/sandboxes/{name}/start", async (string name, CancellationToken ct) =>
            SandboxJson(await sandboxes.StartAsync(name, ct)));

        app.MapPost("/v1/sandboxes/{name}/kill", async (string name, int? signal, CancellationToken ct) =>
            SandboxJson(await sandboxes.KillAsync(name, signal ?? 9, ct)));

        app.MapPost("/v1/cni/{command}", (string command, CniCall call, CancellationToken ct) => CniEndpoint.HandleAsync(cni, command, call, ct));
    }

    private string? FilesOf(SandboxRecord record) => record.HostId == context.HostId ? context.SandboxDirectory(record.Name) : null;

    private IResult SandboxJson(SandboxRecord record, int status = StatusCodes.Status200OK) =>
        Results.Json(ApiViews.Sandbox(record, view.Current, context.HostId, FilesOf(record)), ApiJsonContext.Default.SandboxDetail, statusCode: status);

    /// <summary>
    /// Reads answer from the cluster view, which follows the store by its watch: a read waits until the view holds every
    /// write the store had when the read came (from any host), without listing the store. While the store is
    /// unreachable the view answers with the last state seen; before it ever answered there is nothing to say.
    /// </summary>
    private async Task<ClusterSnapshot> FreshAsync(CancellationToken ct)
    {
        try
        {
            return await view.FreshAsync(ct);
        }
        catch (StoreException) when (!view.Loaded)
        {
            throw new StoreUnavailableException(view.Location, view.StoreError ?? "the cluster store has not answered since the agent started");
        }
    }
}

/// <summary>
/// Fields a request must not leave null. The serializer fills a missing or null field with null whatever the shape
/// says (its nullability checks do not reach the source-generated contracts); a null the agent's code never expected
/// answered 500, so it is refused by name here.
/// </summary>
public static class RequestFields
{
    public static void Require(params (object? Value, string Field)[] fields)
    {
        foreach (var (value, field) in fields)
        {
            if (value is null)
            {
                throw new WeftValidationException(ErrorCodes.BadRequest, $"malformed request: field '{field}' is missing or null");
            }
        }
    }

    public static T Require<T>(T request, params (object? Value, string Field)[] fields)
    {
        Require(fields);
        return request;
    }
}

/// <summary>Turns the API's create-network request into the cluster's spec, naming any malformed value.</summary>
public static class NetworkRequests
{
    public static NetworkSpec ToSpec(CreateNetworkRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new NetworkSpec
        {
            Name = request.Name,
            Driver = NetworkDrivers.Parse(request.Driver),
            Subnets = [.. request.Subnets.Select(s => new SubnetConfig
            {
                Subnet = IpNetwork.Parse(s.Subnet ?? throw new FormatException("a subnet entry has no subnet")),
                Gateway = s.Gateway is null ? null : IpAddressText.Parse(s.Gateway, ErrorCodes.InvalidGateway),
                IPRange = s.IpRange is null ? null : IpNetwork.Parse(s.IpRange),
            })],
            Vni = request.Vni,
            Mtu = request.Mtu,
            Internal = request.Internal,
            Options = request.Options,
            Labels = request.Labels,
        };
    }
}
