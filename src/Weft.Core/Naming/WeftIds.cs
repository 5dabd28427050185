using Weft.Core.Errors;

namespace Weft.Core.Naming;

/// <summary>
/// Ids of hosts, networks, endpoints and sandboxes. Weft makes 64 lowercase hex digits (256 random
/// bits), like Docker. Ids from outside (Docker's network and endpoint ids, CNI container ids) are
/// accepted as long as they are safe as a store-key segment and a file name.
/// </summary>
public static class WeftIds
{
    public const int GeneratedLength = 64;
    public const int MaxLength = 128;

    /// <summary>Docker's convention for display: the first 12 characters.</summary>
    public const int ShortLength = 12;

    /// <summary>
    /// A new id from the kernel's random source. Not RandomNumberGenerator: on Linux it draws through OpenSSL, and its
    /// first call maps libcrypto and libssl into the agent for good (docs/decisions.md, "Footprint").
    /// </summary>
    public static string New()
    {
        Span<byte> bits = stackalloc byte[GeneratedLength / 2];
        using (var urandom = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
        {
            urandom.ReadExactly(bits);
        }
        return Convert.ToHexStringLower(bits);
    }

    public static string Short(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Length <= ShortLength ? id : id[..ShortLength];
    }

    /// <summary>1 to 128 of [a-zA-Z0-9_.-], starting with a letter or digit: no '/', never "." or "..".</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <param name="what">What the id belongs to, for the message: "network", "endpoint", ...</param>
    public static void Validate(string? id, string what)
    {
        if (!IsValid(id))
        {
            throw new WeftValidationException(ErrorCodes.InvalidId, $"{what} id '{id}' is invalid: use 1 to {MaxLength} letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
    }
}
