using Microsoft.AspNetCore.Http;
using Weft.Api.Cni;

namespace Weft.Agent.Cni;

/// <summary>
/// POST /v1/cni/{command}: runs one forwarded plugin call and answers with exactly what weft-cni prints: ADD's result,
/// nothing for the other commands, or the spec's error object (with a non-2xx status, so the plugin exits non-zero).
/// </summary>
public static class CniEndpoint
{
    public static async Task<IResult> HandleAsync(CniService cni, string command, CniCall call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cni);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            switch (command)
            {
                case "add":
                    return Results.Text(CniJson.Serialize(await cni.AddAsync(call, ct)), "application/json");
                case "del":
                    await cni.DeleteAsync(call, ct);
                    break;
                case "check":
                    await cni.CheckAsync(call, ct);
                    break;
                case "gc":
                    await cni.GarbageCollectAsync(call, ct);
                    break;
                case "status":
                    await cni.StatusAsync(call, ct);
                    break;
                default:
                    throw new CniException(CniErrorCodes.InvalidEnvironment, $"CNI_COMMAND={command.ToUpperInvariant()} is not a CNI command",
                        "weft-cni takes ADD, DEL, CHECK, GC, STATUS and VERSION");
            }
            return Results.NoContent();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var error = CniErrors.From(e, CniNetConf.VersionOf(call.Config));
            var status = error.Code is CniErrorCodes.TryAgainLater or CniErrorCodes.NotAvailable ? StatusCodes.Status503ServiceUnavailable
                : error.Code >= CniErrorCodes.Kernel ? StatusCodes.Status500InternalServerError
                : StatusCodes.Status400BadRequest;
            return Results.Text(CniJson.Serialize(error), "application/json", statusCode: status);
        }
    }
}
