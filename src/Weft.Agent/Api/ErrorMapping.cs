using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Weft.Api;
using Weft.Core.Errors;
using Weft.Linux;
using Weft.Store;

namespace Weft.Agent.Api;

/// <summary>Maps every failure to the API's one error shape and an HTTP status (docs/api.md).</summary>
public static class ErrorMapping
{
    public static (int Status, ApiError Error) Map(Exception e) => e switch
    {
        WeftValidationException v => (StatusFor(v.Code), new ApiError(v.Code, v.Message, v.ExitCode)),
        StoreException s => (StatusCodes.Status503ServiceUnavailable, new ApiError(ErrorCodes.StoreUnavailable, $"the cluster store is unavailable, nothing was changed: {s.Message}")),
        KernelException k => (StatusCodes.Status500InternalServerError, new ApiError(ErrorCodes.Kernel, $"the kernel refused, the change was rolled back: {k.Message}")),
        BadHttpRequestException { InnerException: JsonException json } => BadJson(json),
        JsonException json => BadJson(json),
        BadHttpRequestException bad => (bad.StatusCode, ForStatus(bad.StatusCode, null, null, bad.Message)),
        FormatException => (StatusCodes.Status400BadRequest, new ApiError(ErrorCodes.BadRequest, $"malformed request: {e.Message}")),
        _ => (StatusCodes.Status500InternalServerError, new ApiError(ErrorCodes.Internal, e.Message)),
    };

    /// <summary>
    /// An answer the framework gave without a body (no route, wrong method, wrong content type, body too large), in the
    /// API's error shape.
    /// </summary>
    public static ApiError ForStatus(int status, string? method, string? path, string? detail = null) => status switch
    {
        StatusCodes.Status404NotFound => new(ErrorCodes.NotFound, $"no such resource: {method} {path} (see docs/api.md)"),
        StatusCodes.Status405MethodNotAllowed => new(ErrorCodes.BadRequest, $"method {method} is not allowed on {path}"),
        StatusCodes.Status413PayloadTooLarge => new(ErrorCodes.BadRequest, $"the request body is too large{(detail is { Length: > 0 } ? $": {detail}" : "")}"),
        StatusCodes.Status415UnsupportedMediaType => new(ErrorCodes.BadRequest, $"the request body must be JSON (Content-Type: application/json){(detail is null ? "" : $": {detail}")}"),
        >= 500 => new(ErrorCodes.Internal, detail ?? $"status {status}"),
        _ => new(ErrorCodes.BadRequest, detail ?? $"the request was refused (status {status})"),
    };

    /// <summary>
    /// A body that is not the request's JSON shape. The serializer's path names the field ("$.networks[0].ip"), so the
    /// message leads with it; a missing required field is named by the serializer's message.
    /// </summary>
    private static (int, ApiError) BadJson(JsonException json)
    {
        var field = json.Path is { Length: > 2 } path ? $"field '{path[2..]}': " : "";
        return (StatusCodes.Status400BadRequest, new ApiError(ErrorCodes.BadRequest, $"malformed request: {field}{json.Message}"));
    }

    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Duplicate or ErrorCodes.InUse or ErrorCodes.Contention or ErrorCodes.Overlap or ErrorCodes.IpTaken or ErrorCodes.PortTaken
            or ErrorCodes.VniTaken or ErrorCodes.NetworkConflict or ErrorCodes.PoolExhausted or ErrorCodes.SubnetPoolExhausted or ErrorCodes.VniExhausted => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };
}
