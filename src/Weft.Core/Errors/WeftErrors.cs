namespace Weft.Core.Errors;

/// <summary>The errors several layers raise in the same words.</summary>
public static class WeftErrors
{
    public static WeftValidationException NetworkNotFound(string name) => new(ErrorCodes.NotFound, $"network '{name}' not found");

    public static WeftValidationException SandboxNotFound(string name) => new(ErrorCodes.NotFound, $"sandbox '{name}' not found");
}
