using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using System.Text;

namespace Weft.Linux.Netlink;

/// <summary>One netlink message inside a received datagram; a view, valid until the next receive.</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(NlMsgHdr header, ReadOnlySpan<byte> payload)
    {
        Type = header.Type;
        Flags = header.Flags;
        Seq = header.Seq;
        Payload = payload;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    public uint Seq { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Reads the fixed header that opens the payload (ifinfomsg, ndmsg, ...).</summary>
    public T Header<T>()
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        if (Payload.Length < size)
        {
            // Short headers only come from a kernel bug or a mismatched message type; treat as empty.
            Span<byte> padded = stackalloc byte[size];
            Payload.CopyTo(padded);
            return MemoryMarshal.Read<T>(padded);
        }

        return MemoryMarshal.Read<T>(Payload);
    }

    /// <summary>The attributes that follow a fixed header of type <typeparamref name="T"/>.</summary>
    public AttributeReader Attributes<T>()
        where T : unmanaged
    {
        var offset = Nl.Align(Marshal.SizeOf<T>());
        return new AttributeReader(offset <= Payload.Length ? Payload[offset..] : default);
    }
}

/// <summary>Walks the messages of one datagram.</summary>
internal ref struct MessageReader
{
    private ReadOnlySpan<byte> _rest;

    public MessageReader(ReadOnlySpan<byte> datagram)
    {
        _rest = datagram;
        Current = default;
    }

    public NetlinkMessage Current { get; private set; }

    public readonly MessageReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.Length < Nl.HeaderLength)
        {
            return false;
        }

        var header = MemoryMarshal.Read<NlMsgHdr>(_rest);
        var length = (int)header.Length;
        if (length < Nl.HeaderLength || length > _rest.Length)
        {
            return false;
        }

        Current = new NetlinkMessage(header, _rest[Nl.HeaderLength..length]);
        var next = Math.Min(Nl.Align(length), _rest.Length);
        _rest = _rest[next..];
        return true;
    }
}

/// <summary>One attribute (TLV); the typed readers tolerate short values instead of throwing.</summary>
internal readonly ref struct NetlinkAttribute
{
    public NetlinkAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }

    /// <summary>The attribute type with the nested and byte-order flags masked off.</summary>
    public ushort Type { get; }

    public ReadOnlySpan<byte> Value { get; }

    public byte U8 => Value.Length >= 1 ? Value[0] : (byte)0;

    public ushort U16 => Value.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(Value) : (ushort)0;

    public ushort U16BigEndian => Value.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Value) : (ushort)0;

    public uint U32 => Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Value) : 0;

    public int I32 => unchecked((int)U32);

    public string String
    {
        get
        {
            var end = Value.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end >= 0 ? Value[..end] : Value);
        }
    }

    public IPAddress? Address => Value.Length is 4 or 16 ? new IPAddress(Value) : null;

    public PhysicalAddress Mac => new(Value.ToArray());

    public AttributeReader Nested => new(Value);
}

/// <summary>Walks a run of attributes.</summary>
internal ref struct AttributeReader
{
    private ReadOnlySpan<byte> _rest;

    public AttributeReader(ReadOnlySpan<byte> attributes)
    {
        _rest = attributes;
        Current = default;
    }

    public NetlinkAttribute Current { get; private set; }

    public readonly AttributeReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        var type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & Nl.NLA_TYPE_MASK);
        if (length < 4 || length > _rest.Length)
        {
            return false;
        }

        Current = new NetlinkAttribute(type, _rest[4..length]);
        _rest = _rest[Math.Min(Nl.Align(length), _rest.Length)..];
        return true;
    }
}
