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
        WeftValidationException v => (StatusFor(v.Code), new ApiError(v.Code, v.Message)),
        StoreException s => (StatusCodes.Status503ServiceUnavailable, new ApiError(ErrorCodes.StoreUnavailable, $"the cluster store is unavailable, nothing was changed: {s.Message}")),
        KernelException k => (StatusCodes.Status500InternalServerError, new ApiError(ErrorCodes.Kernel, $"the kernel refused, the change was rolled back: {k.Message}")),
        JsonException or BadHttpRequestException or FormatException => (StatusCodes.Status400BadRequest, new ApiError(ErrorCodes.BadRequest, $"malformed request: {e.Message}")),
        _ => (StatusCodes.Status500InternalServerError, new ApiError(ErrorCodes.Internal, e.Message)),
    };

    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Duplicate or ErrorCodes.InUse or ErrorCodes.Contention or ErrorCodes.Overlap or ErrorCodes.IpTaken or ErrorCodes.PortTaken
            or ErrorCodes.VniTaken or ErrorCodes.NetworkConflict or ErrorCodes.PoolExhausted or ErrorCodes.SubnetPoolExhausted or ErrorCodes.VniExhausted => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };
}
