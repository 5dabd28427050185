using Weft.Core.Errors;

namespace Weft.Cluster;

/// <summary>
/// Error codes for conflicts with what the cluster already holds; they travel with
/// <see cref="WeftValidationException"/> like Weft.Core's validation codes, and the API maps them to statuses.
/// </summary>
public static class ClusterErrors
{
    public const string NotFound = "not-found";
    public const string Duplicate = "duplicate";
    public const string InUse = "in-use";
    /// <summary>Optimistic retries ran out: the cluster changed under every attempt.</summary>
    public const string Contention = "contention";

    public static WeftValidationException NetworkNotFound(string name) => new(NotFound, $"network '{name}' not found");

    public static WeftValidationException SandboxNotFound(string name) => new(NotFound, $"sandbox '{name}' not found");
}
