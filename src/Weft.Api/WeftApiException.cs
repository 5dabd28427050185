namespace Weft.Api;

/// <summary>An API call failed; <see cref="Code"/> is the machine-readable reason, the message one line for people.</summary>
public sealed class WeftApiException(string code, string message, int statusCode = 0, int? exitCode = null) : Exception(message)
{
    /// <summary>For exec-failed: the exit code the agent gave (<see cref="ApiError.ExitCode"/>).</summary>
    public int? ExitCode { get; } = exitCode;

    public string Code { get; } = code;

    /// <summary>The HTTP status, or 0 when no response came (agent not running).</summary>
    public int StatusCode { get; } = statusCode;
}
