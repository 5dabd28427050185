namespace Weft.Api;

/// <summary>An API call failed; <see cref="Code"/> is the machine-readable reason, the message one line for people.</summary>
public sealed class WeftApiException(string code, string message, int statusCode = 0) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>The HTTP status, or 0 when no response came (agent not running).</summary>
    public int StatusCode { get; } = statusCode;
}
