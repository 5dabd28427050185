using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Weft.Dns;

/// <summary>
/// The reverse-mapping names of PTR queries: d.c.b.a.in-addr.arpa (RFC 1035 §3.5) and the 32 reversed nibbles
/// under ip6.arpa (RFC 3596 §2.5). Only names of a whole address parse; zone-level names such as
/// 10.in-addr.arpa are ordinary names to this server.
/// </summary>
public static class ReverseName
{
    private static ReadOnlySpan<byte> InAddrArpa => "\u0007in-addr\u0004arpa\0"u8;
    private static ReadOnlySpan<byte> Ip6Arpa => "\u0003ip6\u0004arpa\0"u8;

    /// <summary>Parses an uncompressed wire name (any case) into the address it names.</summary>
    public static bool TryParse(ReadOnlySpan<byte> wire, out IPAddress? address)
    {
        address = null;
        if (EndsWith(wire, InAddrArpa))
        {
            return TryParseV4(wire[..^InAddrArpa.Length], out address);
        }
        if (EndsWith(wire, Ip6Arpa))
        {
            return TryParseV6(wire[..^Ip6Arpa.Length], out address);
        }
        return false;
    }

    /// <summary>The reverse name of an address, without the trailing dot, e.g. 5.10.0.10.in-addr.arpa.</summary>
    public static string For(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        var text = new StringBuilder(72);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                text.Append(bytes[i]).Append('.');
            }
            else
            {
                text.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
            }
        }
        return text.Append(address.AddressFamily == AddressFamily.InterNetwork ? "in-addr.arpa" : "ip6.arpa").ToString();
    }

    private static bool TryParseV4(ReadOnlySpan<byte> labels, out IPAddress? address)
    {
        address = null;
        Span<byte> bytes = stackalloc byte[4];
        var position = 0;
        for (var i = 3; i >= 0; i--)
        {
            if (position >= labels.Length)
            {
                return false;
            }
            var label = labels.Slice(position + 1, labels[position]);
            // Canonical decimal only: 1-3 digits, no leading zero, at most 255.
            if (label.Length is 0 or > 3 || (label.Length > 1 && label[0] == '0'))
            {
                return false;
            }
            var value = 0;
            foreach (var c in label)
            {
                if (c is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255)
            {
                return false;
            }
            bytes[i] = (byte)value;
            position += 1 + label.Length;
        }
        if (position != labels.Length)
        {
            return false;
        }
        address = new IPAddress(bytes);
        return true;
    }

    private static bool TryParseV6(ReadOnlySpan<byte> labels, out IPAddress? address)
    {
        address = null;
        if (labels.Length != 64)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        for (var n = 0; n < 32; n++)
        {
            if (labels[2 * n] != 1 || Nibble(labels[2 * n + 1]) is not { } nibble)
            {
                return false;
            }
            var index = 15 - n / 2;
            bytes[index] |= (byte)(n % 2 == 0 ? nibble : nibble << 4);
        }
        address = new IPAddress(bytes);
        return true;
    }

    private static int? Nibble(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => null,
    };

    /// <summary>True when the wire name ends with the given wire suffix at a label boundary.</summary>
    private static bool EndsWith(ReadOnlySpan<byte> wire, ReadOnlySpan<byte> suffix)
    {
        if (wire.Length < suffix.Length)
        {
            return false;
        }
        var start = wire.Length - suffix.Length;
        for (var position = 0; position <= start; position += 1 + wire[position])
        {
            if (position == start)
            {
                return DnsName.EqualsIgnoreCase(wire[start..], suffix);
            }
            if (wire[position] == 0)
            {
                return false;
            }
        }
        return false;
    }
}
