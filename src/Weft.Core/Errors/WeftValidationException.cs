namespace Weft.Core.Errors;

/// <summary>
/// A request broke one of Weft's rules. <see cref="Code"/> is for programs (see <see cref="ErrorCodes"/>);
/// <see cref="Exception.Message"/> is one line for people and always names the offending value.
/// </summary>
public sealed class WeftValidationException : Exception
{
    public WeftValidationException(string code, string message)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
    }

    public string Code { get; }

    /// <summary>
    /// For exec-failed: what a shell exits with for a command it could not start (127 not found, 126 not executable,
    /// 125 when the launcher's own setup failed), so a client need not read it out of the message.
    /// </summary>
    public int? ExitCode { get; init; }

    public override string ToString() => $"{Code}: {Message}";
}
