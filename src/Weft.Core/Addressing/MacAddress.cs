using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Weft.Core.Errors;
using Weft.Core.Hashing;

namespace Weft.Core.Addressing;

/// <summary>A 48-bit Ethernet address. Text form is lowercase and colon-separated, as iproute2 prints it.</summary>
[JsonConverter(typeof(MacAddressJsonConverter))]
public readonly struct MacAddress : IEquatable<MacAddress>
{
    /// <summary>
    /// The first two bytes of every MAC Weft derives: 0x02 sets the locally-administered bit and
    /// clears the multicast bit; 0x57 is 'W'. Docker uses 02:42 the same way, so a frame in a capture
    /// can be told apart as Weft's at a glance.
    /// </summary>
    public const ushort WeftPrefix = 0x0257;

    private const ulong Mask48 = 0xFFFF_FFFF_FFFF;
    private const byte MulticastBit = 0x01;
    private const byte LocallyAdministeredBit = 0x02;

    private readonly ulong _value;

    public MacAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6)
        {
            throw new ArgumentException("a MAC address is 6 bytes", nameof(bytes));
        }

        Span<byte> padded = stackalloc byte[8];
        bytes.CopyTo(padded[2..]);
        _value = BinaryPrimitives.ReadUInt64BigEndian(padded);
    }

    private MacAddress(ulong value) => _value = value & Mask48;

    /// <summary>The address in the first 6 bytes of <paramref name="buffer"/>, as packet headers hold it.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> buffer) => new(buffer[..6]);

    /// <summary>The 48 bits as a number: for hashing and formatting without allocation.</summary>
    public ulong Value => _value;

    public static MacAddress Broadcast => new(Mask48);

    public bool IsZero => _value == 0;

    public bool IsMulticast => (FirstByte & MulticastBit) != 0;

    public bool IsUnicast => !IsMulticast;

    public bool IsLocallyAdministered => (FirstByte & LocallyAdministeredBit) != 0;

    /// <summary>Weft only ever gives an interface a unicast, non-zero address.</summary>
    public bool IsAssignable => IsUnicast && !IsZero;

    public bool HasWeftPrefix => (_value >> 32) == WeftPrefix;

    private byte FirstByte => (byte)(_value >> 40);

    /// <summary>
    /// The MAC of an endpoint: the Weft prefix, then the first 4 bytes of SHA-256 of the endpoint id.
    /// </summary>
    /// <remarks>
    /// Derived from the id rather than from the IP (as Docker does) so it exists before an address
    /// is chosen and works for IPv6-only endpoints. A hash (not a random draw) means a retried create
    /// computes the same MAC. 32 bits can collide in a large network; the agent then asks again with
    /// <paramref name="attempt"/> 1, 2, ... and stores the result in the endpoint record, which is
    /// what keeps the MAC stable for the endpoint's life.
    /// </remarks>
    public static MacAddress ForEndpoint(string endpointId, int attempt = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpointId);
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        var input = attempt == 0 ? endpointId : $"{endpointId}#{attempt.ToString(CultureInfo.InvariantCulture)}";
        Span<byte> hash = stackalloc byte[Sha256.HashSizeInBytes];
        Sha256.HashData(Encoding.UTF8.GetBytes(input), hash);
        var low = BinaryPrimitives.ReadUInt32BigEndian(hash);
        return new MacAddress(((ulong)WeftPrefix << 32) | low);
    }

    /// <summary>Parses six two-digit hex groups separated by ':' or '-' (one separator throughout).</summary>
    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac)
            ? mac
            : throw new WeftValidationException(ErrorCodes.InvalidMac, $"'{text}' is not a MAC address (expected six hex pairs such as 02:57:0a:00:00:02)");

    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }

        var separator = text[2];
        if (separator is not (':' or '-'))
        {
            return false;
        }

        ulong value = 0;
        for (var group = 0; group < 6; group++)
        {
            var at = group * 3;
            if (group > 0 && text[at - 1] != separator)
            {
                return false;
            }

            if (!char.IsAsciiHexDigit(text[at]) || !char.IsAsciiHexDigit(text[at + 1]))
            {
                return false;
            }

            value = (value << 8) | (byte)((HexValue(text[at]) << 4) | HexValue(text[at + 1]));
        }

        mac = new MacAddress(value);
        return true;
    }

    /// <summary>Throws unless the address may be given to an interface (unicast and not all zeros).</summary>
    public static MacAddress ParseAssignable(string text)
    {
        var mac = Parse(text);
        if (!mac.IsAssignable)
        {
            throw new WeftValidationException(ErrorCodes.InvalidMac, $"'{text}' cannot be given to an interface: it is {(mac.IsZero ? "all zeros" : "a multicast address")}");
        }

        return mac;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[6];
        WriteTo(bytes);
        return bytes;
    }

    public void WriteTo(Span<byte> destination)
    {
        Span<byte> padded = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(padded, _value);
        padded[2..].CopyTo(destination);
    }

    public override string ToString()
    {
        return string.Create(17, _value, static (chars, value) =>
        {
            for (var i = 0; i < 6; i++)
            {
                var b = (byte)(value >> (40 - (8 * i)));
                chars[i * 3] = ToHexChar(b >> 4);
                chars[(i * 3) + 1] = ToHexChar(b & 0xF);
                if (i < 5)
                {
                    chars[(i * 3) + 2] = ':';
                }
            }
        });
    }

    public bool Equals(MacAddress other) => _value == other._value;

    public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);

    public override int GetHashCode() => _value.GetHashCode();

    public static bool operator ==(MacAddress left, MacAddress right) => left.Equals(right);

    public static bool operator !=(MacAddress left, MacAddress right) => !left.Equals(right);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static char ToHexChar(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
