namespace Weft.Api;

/// <summary>
/// Error codes of the API itself. Validation codes (invalid-subnet, overlap, ip-taken, ...) come from
/// Weft.Core's ErrorCodes and travel in the same field.
/// </summary>
public static class ApiErrorCodes
{
    public const string NotFound = "not-found";
    /// <summary>The name is taken (network or sandbox).</summary>
    public const string Duplicate = "duplicate";
    /// <summary>A network still has endpoints and force was not given.</summary>
    public const string InUse = "in-use";
    public const string BadRequest = "bad-request";
    /// <summary>The cluster store cannot be reached; nothing was changed.</summary>
    public const string StoreUnavailable = "store-unavailable";
    /// <summary>The kernel refused an operation; it was rolled back.</summary>
    public const string Kernel = "kernel";
    /// <summary>The client could not reach the agent at all.</summary>
    public const string AgentUnavailable = "agent-unavailable";
    /// <summary>The agent accepted the connection but did not answer in time.</summary>
    public const string AgentTimeout = "agent-timeout";
    public const string Internal = "internal";
}
