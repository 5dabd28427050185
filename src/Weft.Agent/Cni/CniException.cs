using Weft.Api.Cni;

namespace Weft.Agent.Cni;

/// <summary>A CNI call refused with one of the spec's codes (<see cref="CniErrorCodes"/>), a short message and, if useful, details.</summary>
public sealed class CniException(int code, string message, string? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string? Details { get; } = details;
}
