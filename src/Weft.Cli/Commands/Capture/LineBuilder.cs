using System.Globalization;
using Weft.Wire;
using Weft.Core.Addressing;

namespace Weft.Cli.Commands.Capture;

/// <summary>Appends text to a caller's char buffer; what does not fit is cut off, never an exception.</summary>
internal ref struct LineBuilder(Span<char> buffer)
{
    private readonly Span<char> _buffer = buffer;

    public int Length { get; private set; }

    public readonly ReadOnlySpan<char> Text => _buffer[..Length];

    public void Append(scoped ReadOnlySpan<char> text)
    {
        var n = Math.Min(text.Length, _buffer.Length - Length);
        text[..n].CopyTo(_buffer[Length..]);
        Length += n;
    }

    public void Append(long value)
    {
        if (value.TryFormat(_buffer[Length..], out var n, default, CultureInfo.InvariantCulture))
        {
            Length += n;
        }
    }

    /// <summary>Lowercase hex, zero-padded to <paramref name="minDigits"/>.</summary>
    public void AppendHex(uint value, int minDigits)
    {
        var digits = 1;
        for (var v = value >> 4; v != 0; v >>= 4)
        {
            digits++;
        }

        for (; digits < minDigits; digits++)
        {
            Append("0");
        }

        if (value.TryFormat(_buffer[Length..], out var n, "x", CultureInfo.InvariantCulture))
        {
            Length += n;
        }
    }

    public void Append(WireAddress address)
    {
        if (address.IsV6)
        {
            // Rare on a VXLAN underlay and inside Weft's IPv4 overlays: the one case that allocates.
            Append(address.ToString());
            return;
        }

        var v = address.V4Value;
        for (var i = 3; i >= 0; i--)
        {
            Append((v >> (8 * i)) & 0xff);
            if (i > 0)
            {
                Append(".");
            }
        }
    }

    public void Append(MacAddress mac)
    {
        for (var i = 5; i >= 0; i--)
        {
            AppendHex((uint)(mac.Value >> (8 * i)) & 0xff, 2);
            if (i > 0)
            {
                Append(":");
            }
        }
    }
}
