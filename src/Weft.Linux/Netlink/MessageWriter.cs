using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Weft.Linux.Netlink;

/// <summary>
/// Encodes netlink messages and their attributes into one reusable buffer. Several messages may be
/// written back to back, which is how requests are pipelined: the kernel processes every message of
/// one send in order. Nothing here allocates once the buffer has grown to its working size.
/// </summary>
internal sealed class MessageWriter
{
    private byte[] _buffer;
    private int _length;

    public MessageWriter(int capacity = 16 * 1024) => _buffer = new byte[capacity];

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>What will be handed to send().</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Reset() => _length = 0;

    /// <summary>Starts a message and returns its offset, which <see cref="EndMessage"/> needs.</summary>
    public int BeginMessage(ushort type, ushort flags, uint seq)
    {
        var start = _length;
        var header = new NlMsgHdr { Type = type, Flags = flags, Seq = seq };
        Put(in header);
        return start;
    }

    public void EndMessage(int start) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start), (uint)(_length - start));

    /// <summary>Adds flags to an already written message header; used to ask for one ack per pipelined batch.</summary>
    public void AddFlags(int messageStart, ushort flags)
    {
        var span = _buffer.AsSpan(messageStart + 6, 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(span) | flags));
    }

    /// <summary>Stamps the sequence number of an already written message; batches number theirs when sent.</summary>
    public void SetSeq(int messageStart, uint seq) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(messageStart + 8, 4), seq);

    /// <summary>Writes a fixed kernel struct (host byte order, as the kernel expects).</summary>
    public void Put<T>(in T value)
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        var span = Reserve(size);
        MemoryMarshal.Write(span, in value);
    }

    public void PutAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        var span = Reserve(4 + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        value.CopyTo(span[4..]);
    }

    public void PutU8(ushort type, byte value) => PutAttribute(type, [value]);

    public void PutU16(ushort type, ushort value)
    {
        Span<byte> v = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(v, value);
        PutAttribute(type, v);
    }

    /// <summary>A 16-bit value in network byte order (UDP ports in VXLAN and FDB attributes).</summary>
    public void PutU16BigEndian(ushort type, ushort value)
    {
        Span<byte> v = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(v, value);
        PutAttribute(type, v);
    }

    public void PutU32(ushort type, uint value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(v, value);
        PutAttribute(type, v);
    }

    public void PutI32(ushort type, int value) => PutU32(type, unchecked((uint)value));

    /// <summary>A NUL-terminated string, as IFLA_IFNAME and IFLA_INFO_KIND are.</summary>
    public void PutString(ushort type, string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var span = Reserve(4 + byteCount + 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(4 + byteCount + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        Encoding.UTF8.GetBytes(value, span[4..]);
        span[4 + byteCount] = 0;
    }

    /// <summary>An IPv4 or IPv6 address in network byte order (4 or 16 bytes).</summary>
    public void PutAddress(ushort type, IPAddress address)
    {
        Span<byte> v = stackalloc byte[16];
        address.TryWriteBytes(v, out var written);
        PutAttribute(type, v[..written]);
    }

    public int BeginNested(ushort type)
    {
        var start = _length;
        var span = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)(type | Nl.NLA_F_NESTED));
        return start;
    }

    public void EndNested(int start) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), (ushort)(_length - start));

    /// <summary>Reserves zeroed, 4-byte aligned room and returns the unpadded part.</summary>
    private Span<byte> Reserve(int size)
    {
        var aligned = Nl.Align(size);
        if (_length + aligned > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + aligned));
        }

        var span = _buffer.AsSpan(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..size];
    }
}
