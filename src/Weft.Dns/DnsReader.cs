using System.Buffers.Binary;

namespace Weft.Dns;

/// <summary>A forward-only cursor over a received message. Every read is bounds-checked and reports failure instead of throwing.</summary>
public ref struct DnsReader
{
    private readonly ReadOnlySpan<byte> _message;

    public DnsReader(ReadOnlySpan<byte> message, int position = 0)
    {
        _message = message;
        Position = position;
    }

    public int Position { get; private set; }
    public readonly int Remaining => _message.Length - Position;

    public bool TryReadUInt16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return false;
        }
        value = BinaryPrimitives.ReadUInt16BigEndian(_message[Position..]);
        Position += 2;
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }
        value = BinaryPrimitives.ReadUInt32BigEndian(_message[Position..]);
        Position += 4;
        return true;
    }

    public bool TrySlice(int length, out ReadOnlySpan<byte> bytes)
    {
        if (length < 0 || Remaining < length)
        {
            bytes = default;
            return false;
        }
        bytes = _message.Slice(Position, length);
        Position += length;
        return true;
    }

    /// <summary>Reads a name (see <see cref="DnsName.TryRead"/>) into <paramref name="destination"/> and moves past it.</summary>
    public DnsNameStatus TryReadName(scoped Span<byte> destination, out int wireLength, bool allowPointers = true)
    {
        var status = DnsName.TryRead(_message, Position, destination, out wireLength, out var end, allowPointers);
        if (status == DnsNameStatus.Ok)
        {
            Position = end;
        }
        return status;
    }
}
