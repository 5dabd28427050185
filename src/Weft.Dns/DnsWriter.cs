using System.Buffers.Binary;
using System.Net;

namespace Weft.Dns;

/// <summary>
/// Builds a message into a caller's buffer up to a size limit, compressing names (RFC 1035 §4.1.4). A write that
/// does not fit sets <see cref="Overflowed"/> and writes nothing; the caller then rewinds to a mark and
/// leaves the record out, which is how truncation works.
/// </summary>
public ref struct DnsWriter
{
    private readonly Span<byte> _buffer;
    private readonly Span<ushort> _names;
    private int _nameCount;

    /// <param name="buffer">Where the message goes.</param>
    /// <param name="limit">The largest message allowed; at most the buffer's length.</param>
    /// <param name="compressionTable">Room for the offsets of names already written; 0 entries = no compression.</param>
    public DnsWriter(Span<byte> buffer, int limit, Span<ushort> compressionTable)
    {
        _buffer = buffer[..Math.Min(limit, buffer.Length)];
        _names = compressionTable;
    }

    public int Position { get; private set; }
    public bool Overflowed { get; private set; }
    public readonly int Limit => _buffer.Length;
    public readonly Span<byte> Written => _buffer[..Position];

    /// <summary>Rewinds to an earlier <see cref="Position"/>, forgets names written after it and clears <see cref="Overflowed"/>.</summary>
    public void Rewind(int position)
    {
        Position = position;
        Overflowed = false;
        while (_nameCount > 0 && _names[_nameCount - 1] >= position)
        {
            _nameCount--;
        }
    }

    public void WriteUInt16(ushort value)
    {
        if (Ensure(2))
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
            Position += 2;
        }
    }

    public void WriteUInt32(uint value)
    {
        if (Ensure(4))
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
            Position += 4;
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (Ensure(bytes.Length))
        {
            bytes.CopyTo(_buffer[Position..]);
            Position += bytes.Length;
        }
    }

    public void WriteHeader(in DnsHeader header)
    {
        if (Ensure(DnsHeader.Length))
        {
            header.Write(_buffer[Position..]);
            Position += DnsHeader.Length;
        }
    }

    public void WriteAddress(IPAddress address)
    {
        var length = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 16;
        if (Ensure(length) && address.TryWriteBytes(_buffer[Position..], out var written))
        {
            Position += written;
        }
    }

    /// <summary>Leaves room for a 16-bit field filled in later with <see cref="Patch"/> (an RDLENGTH, a count).</summary>
    public int Reserve16()
    {
        var at = Position;
        WriteUInt16(0);
        return at;
    }

    /// <summary>Fills a field left by <see cref="Reserve16"/>; does nothing once the writer has overflowed (the record is rewound anyway).</summary>
    public readonly void Patch(int at, ushort value)
    {
        if (!Overflowed && at + 2 <= Position)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], value);
        }
    }

    /// <summary>
    /// Writes an uncompressed wire name, replacing its longest suffix already in the message by a pointer and
    /// remembering where its own labels start so later names can point at them.
    /// </summary>
    public void WriteName(ReadOnlySpan<byte> wire)
    {
        var start = Position;
        for (var p = 0; p < wire.Length; p += 1 + wire[p])
        {
            if (wire[p] == 0)
            {
                WriteBytes(wire.Slice(p, 1));
                break;
            }
            if (FindName(wire[p..]) is { } pointer)
            {
                WriteUInt16((ushort)(0xC000 | pointer));
                break;
            }
            var labelAt = Position;
            WriteBytes(wire.Slice(p, 1 + wire[p]));
            if (!Overflowed && labelAt < 0x4000 && _nameCount < _names.Length)
            {
                _names[_nameCount++] = (ushort)labelAt;
            }
        }
        if (Overflowed)
        {
            // Keep Overflowed set for the caller, but never leave half a name or its table entries behind.
            Rewind(start);
            Overflowed = true;
        }
    }

    private bool Ensure(int count)
    {
        if (Overflowed || Position + count > _buffer.Length)
        {
            Overflowed = true;
            return false;
        }
        return true;
    }

    private readonly int? FindName(ReadOnlySpan<byte> suffix)
    {
        for (var i = 0; i < _nameCount; i++)
        {
            if (MatchesAt(_names[i], suffix))
            {
                return _names[i];
            }
        }
        return null;
    }

    /// <summary>Whether the name written at <paramref name="offset"/> (our own, so pointers only go backwards) equals <paramref name="wire"/>.</summary>
    private readonly bool MatchesAt(int offset, ReadOnlySpan<byte> wire)
    {
        var p = 0;
        for (var hops = 0; hops < 128; hops++)
        {
            var length = _buffer[offset];
            if ((length & 0xC0) == 0xC0)
            {
                offset = ((length & 0x3F) << 8) | _buffer[offset + 1];
                continue;
            }
            if (length != wire[p] || !DnsName.EqualsIgnoreCase(_buffer.Slice(offset + 1, length), wire.Slice(p + 1, length)))
            {
                return false;
            }
            if (length == 0)
            {
                return true;
            }
            offset += 1 + length;
            p += 1 + length;
        }
        return false;
    }
}
