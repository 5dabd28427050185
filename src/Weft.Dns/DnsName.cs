namespace Weft.Dns;

/// <summary>Why a name on the wire could not be read.</summary>
public enum DnsNameStatus
{
    Ok,
    /// <summary>The message ends inside the name.</summary>
    Truncated,
    /// <summary>A length byte with the top bits 01 or 10: an extended label type (RFC 6891 §5) or a label over 63 bytes.</summary>
    BadLabel,
    /// <summary>The uncompressed name is longer than 255 bytes (RFC 1035 §2.3.4).</summary>
    TooLong,
    /// <summary>A compression pointer that does not point strictly backwards: a loop, a self-reference or past the end.</summary>
    BadPointer,
    /// <summary>A compression pointer where the caller allows none.</summary>
    PointerNotAllowed,
}

/// <summary>
/// Domain names in wire form: a sequence of length-prefixed labels ending in the zero-length root label. Names are
/// read into their uncompressed wire form first and only then turned into text, so the limits (63-byte labels,
/// 255-byte names) are checked on the bytes the RFC defines them on.
/// </summary>
public static class DnsName
{
    public const int MaxLength = 255;
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Reads the name at <paramref name="offset"/>, following compression pointers, into
    /// <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) in uncompressed wire form.
    /// <paramref name="end"/> is the offset just past the name where it sits in the message (after its first pointer).
    /// </summary>
    /// <remarks>
    /// Every pointer must point before the previous one's target (and the first before the name's start), as BIND
    /// requires. Targets therefore strictly decrease, so no crafted message can make this loop, and the total work
    /// is bounded by the message length.
    /// </remarks>
    public static DnsNameStatus TryRead(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int wireLength, out int end, bool allowPointers = true)
    {
        wireLength = 0;
        end = -1;
        var position = offset;
        var limit = offset;
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return DnsNameStatus.Truncated;
            }
            var length = message[position];
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (!allowPointers)
                    {
                        return DnsNameStatus.PointerNotAllowed;
                    }
                    if (position + 1 >= message.Length)
                    {
                        return DnsNameStatus.Truncated;
                    }
                    var target = ((length & 0x3F) << 8) | message[position + 1];
                    if (target >= limit)
                    {
                        return DnsNameStatus.BadPointer;
                    }
                    if (end < 0)
                    {
                        end = position + 2;
                    }
                    limit = target;
                    position = target;
                    continue;
                case 0x40:
                case 0x80:
                    return DnsNameStatus.BadLabel;
            }
            if (wireLength + 1 + length > MaxLength)
            {
                return DnsNameStatus.TooLong;
            }
            if (position + 1 + length > message.Length)
            {
                return DnsNameStatus.Truncated;
            }
            message.Slice(position, 1 + length).CopyTo(destination[wireLength..]);
            wireLength += 1 + length;
            position += 1 + length;
            if (length == 0)
            {
                if (end < 0)
                {
                    end = position;
                }
                return DnsNameStatus.Ok;
            }
        }
    }

    /// <summary>
    /// The presentation form of an uncompressed wire name without the trailing dot ("" for the root). Bytes that
    /// are not printable ASCII, and '.' and '\' inside a label, are escaped as \DDD or \. so that two different
    /// names never give the same text.
    /// </summary>
    public static string ToText(ReadOnlySpan<byte> wire, bool lowerCase = false)
    {
        if (wire.Length <= 1)
        {
            return "";
        }
        if (wire.Length > MaxLength)
        {
            throw new ArgumentException("longer than a DNS name can be", nameof(wire));
        }
        // At most 4 characters per byte (\DDD), so a 255-byte name always fits; built on the stack, one string allocated.
        Span<char> text = stackalloc char[MaxLength * 4];
        var length = 0;
        var position = 0;
        while (position < wire.Length && wire[position] != 0)
        {
            if (length > 0)
            {
                text[length++] = '.';
            }
            if (position + 1 + wire[position] > wire.Length)
            {
                throw new ArgumentException("not a wire-form name", nameof(wire));
            }
            var label = wire.Slice(position + 1, wire[position]);
            foreach (var b in label)
            {
                if (b is (byte)'.' or (byte)'\\')
                {
                    text[length++] = '\\';
                    text[length++] = (char)b;
                }
                else if (b is > 0x20 and < 0x7F)
                {
                    text[length++] = lowerCase ? (char)ToLower(b) : (char)b;
                }
                else
                {
                    text[length++] = '\\';
                    text[length++] = (char)('0' + b / 100);
                    text[length++] = (char)('0' + b / 10 % 10);
                    text[length++] = (char)('0' + b % 10);
                }
            }
            position += 1 + label.Length;
        }
        return new string(text[..length]);
    }

    /// <summary>
    /// Encodes a name in presentation form (ASCII, labels separated by dots, trailing dot optional, no escapes)
    /// into wire form. False for empty labels, labels over 63 bytes, names over 255 bytes and non-ASCII text.
    /// </summary>
    public static bool TryFromText(string text, Span<byte> destination, out int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        length = 0;
        var name = text.EndsWith('.') ? text.AsSpan(0, text.Length - 1) : text.AsSpan();
        if (name.Length > 0)
        {
            foreach (var range in name.Split('.'))
            {
                var label = name[range];
                if (label.Length is 0 or > MaxLabelLength || length + 1 + label.Length + 1 > MaxLength || length + 1 + label.Length + 1 > destination.Length)
                {
                    return false;
                }
                destination[length++] = (byte)label.Length;
                foreach (var c in label)
                {
                    if (c is <= ' ' or >= (char)0x7F)
                    {
                        return false;
                    }
                    destination[length++] = (byte)c;
                }
            }
        }
        if (length >= destination.Length)
        {
            return false;
        }
        destination[length++] = 0;
        return true;
    }

    /// <summary>Encodes <paramref name="text"/> (see <see cref="TryFromText"/>) or throws.</summary>
    public static byte[] FromText(string text)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        return TryFromText(text, buffer, out var length) ? buffer[..length].ToArray() : throw new ArgumentException($"'{text}' is not a valid DNS name", nameof(text));
    }

    /// <summary>Compares two wire names; ASCII letters match regardless of case (RFC 4343). Length bytes are at most 63, below 'A', so folding every byte is safe.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (var i = 0; i < a.Length; i++)
        {
            if (ToLower(a[i]) != ToLower(b[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The wire name without its first label; the root's parent is the root.</summary>
    public static ReadOnlySpan<byte> Parent(ReadOnlySpan<byte> wire) => wire.Length <= 1 ? wire : wire[(1 + wire[0])..];

    /// <summary>The number of labels, not counting the root.</summary>
    public static int LabelCount(ReadOnlySpan<byte> wire)
    {
        var count = 0;
        for (var position = 0; position < wire.Length && wire[position] != 0; position += 1 + wire[position])
        {
            count++;
        }
        return count;
    }

    internal static byte ToLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
}
