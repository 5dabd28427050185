using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Weft.Core.Errors;

namespace Weft.Core.Addressing;

/// <summary>
/// Strict parsing of IP address text, as Go's net.ParseIP (and so Docker) does it.
/// <see cref="IPAddress.Parse(string)"/> follows inet_aton and silently accepts "10.1" as 10.0.0.1,
/// "010.0.0.1" as octal 8.0.0.1 and "0x0a.0.0.1" as hex. A network spec must never be read as
/// something other than what the user typed, so Weft accepts only dotted-quad decimal for IPv4 and
/// colon form without a zone for IPv6.
/// </summary>
public static class IpAddressText
{
    private static readonly SearchValues<char> IPv6Characters = SearchValues.Create("0123456789abcdefABCDEF:.");

    public static IPAddress Parse(string text, string code = ErrorCodes.InvalidAddress)
    {
        if (TryParse(text, out var address))
        {
            return address;
        }

        throw new WeftValidationException(code, $"'{text}' is not an IP address (expected dotted-quad IPv4 such as 10.0.0.1, or IPv6 such as fd00::1)");
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text) || text.Length > 45)
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            // Only hex digits, ':' and '.' (for an embedded IPv4 tail). This shuts out what the
            // framework would otherwise accept: a zone ("fe80::1%eth0", which names one host's link)
            // and brackets with a port ("[fd00::1]:80" parses as fd00::1).
            if (text.AsSpan().ContainsAnyExcept(IPv6Characters) || !IPAddress.TryParse(text, out var v6)
                || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6;
            return true;
        }

        return TryParseDottedQuad(text, out address);
    }

    private static bool TryParseDottedQuad(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        Span<byte> bytes = stackalloc byte[4];
        var part = 0;
        foreach (var range in text.Split('.'))
        {
            if (part == 4)
            {
                return false;
            }

            var digits = text[range];
            // Leading zeros are rejected rather than guessed at: "010" is 8 to inet_aton and 10 to a person.
            if (digits.Length is 0 or > 3 || (digits.Length > 1 && digits[0] == '0'))
            {
                return false;
            }

            var value = 0;
            foreach (var c in digits)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }

                value = (value * 10) + (c - '0');
            }

            if (value > 255)
            {
                return false;
            }

            bytes[part++] = (byte)value;
        }

        if (part != 4)
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }
}
