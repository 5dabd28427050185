using System.Text.Json;
using Weft.Api.Cni;
using Weft.Core.Errors;
using Weft.Linux;
using Weft.Store;

namespace Weft.Agent.Cni;

/// <summary>Every failure of a CNI call as the spec's error object: the runtime shows msg and details, and retries on 11.</summary>
public static class CniErrors
{
    public static CniError From(Exception e, string version) => e switch
    {
        CniException c => new CniError(version, c.Code, c.Message, c.Details),
        // A network that is not Weft's is a config the runtime should not have used: the spec's "invalid network config".
        WeftValidationException { Code: ErrorCodes.NotFound } v => new CniError(version, CniErrorCodes.InvalidConfig, v.Message, ErrorCodes.NotFound),
        WeftValidationException v => new CniError(version, CniErrorCodes.Refused, v.Message, v.Code),
        StoreException s => new CniError(version, CniErrorCodes.TryAgainLater, "the Weft cluster store is unavailable; nothing was changed, try again later", s.Message),
        KernelException k => new CniError(version, CniErrorCodes.Kernel, "the kernel refused; the change was rolled back", k.Message),
        JsonException or FormatException => new CniError(version, CniErrorCodes.DecodingFailure, "malformed request", e.Message),
        OperationCanceledException => new CniError(version, CniErrorCodes.TryAgainLater, "the Weft agent is stopping; try again later"),
        _ => new CniError(version, CniErrorCodes.Internal, e.Message, e.GetType().Name),
    };
}
