using Weft.Core.Errors;

namespace Weft.Core.Naming;

/// <summary>
/// Rules for the names people choose: networks, sandboxes, hosts and DNS aliases.
/// </summary>
/// <remarks>
/// Network and sandbox names follow Docker's pattern <c>[a-zA-Z0-9][a-zA-Z0-9_.-]*</c> and are at
/// most <see cref="MaxNameLength"/> (63) characters. The names end up in places that are stricter
/// than Docker's own rules:
/// <list type="bullet">
/// <item>store keys and file names: the pattern has no '/', and the leading alphanumeric rules out
/// "." and "..";</item>
/// <item>netns names, which embed host name + name (see <see cref="KernelNames"/>): 63 + 63 plus
/// the prefix stays far below NAME_MAX (255);</item>
/// <item>DNS: sandbox names are resolved by Weft's DNS, a DNS label holds at most 63 octets, and no label may be
/// empty ("a..b", "b."), since names become NAME.NETWORK and a sandbox's search domain;</item>
/// </list>
/// Names never become kernel interface names (15 characters at most); those are derived from ids.
/// </remarks>
public static class NameRules
{
    public const int MaxNameLength = 63;

    /// <summary>Host names are RFC 1123 host names of at most 63 characters (see <see cref="ValidateHostName"/>).</summary>
    public const int MaxHostNameLength = 63;

    public const int MaxDnsNameLength = 253;

    public const int MaxDnsLabelLength = 63;

    public static void ValidateNetworkName(string? name) => ValidateName(name, "network");

    public static void ValidateSandboxName(string? name) => ValidateName(name, "sandbox");

    public static bool IsValidName(string? name) => Check(name) is null;

    /// <summary>
    /// Host names are RFC 1123: dot-separated labels of letters, digits and '-', no label starting
    /// or ending with '-'. Unlike network names they may not contain '_', which is what lets the
    /// netns name "weft-{host}_{network}" be split back unambiguously.
    /// </summary>
    public static void ValidateHostName(string? name)
    {
        var problem = CheckHostName(name);
        if (problem is not null)
        {
            throw new WeftValidationException(ErrorCodes.InvalidName, $"host name '{name}' is invalid: {problem}");
        }
    }

    public static bool IsValidHostName(string? name) => CheckHostName(name) is null;

    public static bool IsValidDnsName(string? alias) => CheckDnsName(alias) is null;

    /// <summary>A DNS alias: dot-separated labels of letters, digits, '-' and '_' (as Compose service names use).</summary>
    public static void ValidateAlias(string? alias)
    {
        var problem = CheckDnsName(alias);
        if (problem is not null)
        {
            throw new WeftValidationException(ErrorCodes.InvalidAlias, $"alias '{alias}' is invalid: {problem}");
        }
    }

    private static void ValidateName(string? name, string what)
    {
        var problem = Check(name);
        if (problem is not null)
        {
            throw new WeftValidationException(ErrorCodes.InvalidName, $"{what} name '{name}' is invalid: {problem}");
        }
    }

    private static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "it is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"it is {name.Length} characters long; the limit is {MaxNameLength}";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]))
        {
            return "it must start with a letter or digit";
        }

        for (var i = 1; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return $"character '{c}' at position {i + 1} is not allowed (use letters, digits, '_', '.' and '-')";
            }
        }

        // Names are DNS names (NAME, NAME.NETWORK and the search domain a sandbox gets): an empty label breaks them.
        if (name.Contains("..", StringComparison.Ordinal) || name[^1] == '.')
        {
            return "it has an empty DNS label (two dots in a row, or a trailing dot)";
        }

        return null;
    }

    private static string? CheckHostName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "it is empty";
        }

        if (name.Length > MaxHostNameLength)
        {
            return $"it is {name.Length} characters long; the limit is {MaxHostNameLength}";
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0)
            {
                return "it has an empty label (two dots in a row, or a leading or trailing dot)";
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                return $"label '{label}' starts or ends with '-'";
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return $"character '{c}' is not allowed (use letters, digits, '-' and '.')";
                }
            }
        }

        return null;
    }

    private static string? CheckDnsName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "it is empty";
        }

        if (name.Length > MaxDnsNameLength)
        {
            return $"it is {name.Length} characters long; the limit is {MaxDnsNameLength}";
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0)
            {
                return "it has an empty label (two dots in a row, or a leading or trailing dot)";
            }

            if (label.Length > MaxDnsLabelLength)
            {
                return $"label '{label}' is longer than {MaxDnsLabelLength} characters";
            }

            if (label[0] == '-')
            {
                return $"label '{label}' starts with '-'";
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
                {
                    return $"character '{c}' is not allowed (use letters, digits, '-', '_' and '.')";
                }
            }
        }

        return null;
    }
}
