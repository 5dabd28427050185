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

    public override string ToString() => $"{Code}: {Message}";
}
