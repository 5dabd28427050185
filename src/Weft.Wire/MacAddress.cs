using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Weft.Wire;

/// <summary>A 48-bit Ethernet address held in a value, so headers can carry it without allocating.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static readonly MacAddress Broadcast = new(0xFFFF_FFFF_FFFFUL);

    public static MacAddress Read(ReadOnlySpan<byte> six) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(six) << 32) | BinaryPrimitives.ReadUInt32BigEndian(six[2..]));

    public void Write(Span<byte> six)
    {
        BinaryPrimitives.WriteUInt16BigEndian(six, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(six[2..], (uint)Value);
    }

    public bool IsMulticast => ((Value >> 40) & 1) != 0;

    public bool IsLocallyAdministered => ((Value >> 40) & 2) != 0;

    /// <summary>Parses "aa:bb:cc:dd:ee:ff" (colons or dashes).</summary>
    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }
        ulong v = 0;
        for (var i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] is not (':' or '-'))
            {
                return false;
            }
            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"invalid MAC address '{text}': expected six hex pairs like 02:42:0a:00:0a:05");

    [SuppressMessage("Globalization", "CA1305", Justification = "hex digits are culture-free")]
    public override string ToString() =>
        string.Create(17, Value, static (span, v) =>
        {
            for (var i = 0; i < 6; i++)
            {
                var b = (byte)(v >> (40 - (8 * i)));
                b.TryFormat(span[(i * 3)..], out _, "x2");
                if (i < 5)
                {
                    span[(i * 3) + 2] = ':';
                }
            }
        });
}
