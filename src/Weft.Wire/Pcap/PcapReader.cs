using System.Buffers.Binary;

namespace Weft.Wire.Pcap;

/// <summary>One packet read back from a capture file. <see cref="Data"/> is valid until the next read.</summary>
public readonly ref struct PcapRecord(ReadOnlySpan<byte> data, DateTimeOffset timestamp, int originalLength)
{
    public ReadOnlySpan<byte> Data { get; } = data;
    public DateTimeOffset Timestamp { get; } = timestamp;
    public int OriginalLength { get; } = originalLength;
}

/// <summary>
/// Reads classic pcap (either byte order, micro- or nanosecond) and pcapng (Enhanced and Simple Packet
/// Blocks) files with one reused buffer. Malformed files end the read with <see cref="InvalidDataException"/>.
/// </summary>
public sealed class PcapReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _ng;
    private readonly bool _bigEndian;
    private readonly long _ticksPerUnit;
    private byte[] _buffer = new byte[65536 + 64];

    public PcapReader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        Span<byte> head = stackalloc byte[24];
        _stream.ReadExactly(head[..4]);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        switch (magic)
        {
            case 0xA1B2C3D4: _ticksPerUnit = 10; break;
            case 0xD4C3B2A1: _ticksPerUnit = 10; _bigEndian = true; break;
            case 0xA1B23C4D: _ticksPerUnit = 0; break;
            case 0x4D3CB2A1: _ticksPerUnit = 0; _bigEndian = true; break;
            case 0x0A0D0D0A: _ng = true; break;
            default: throw new InvalidDataException($"not a pcap or pcapng file (magic 0x{magic:x8})");
        }
        if (_ng)
        {
            // Block length, then the byte-order magic tells the endianness of the section.
            _stream.ReadExactly(head[..8]);
            _bigEndian = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) != 0x1A2B3C4D;
            var length = ReadInt32(head);
            Skip(length - 12);
            _ticksPerUnit = 10;
        }
        else
        {
            _stream.ReadExactly(head[4..24]);
            LinkType = ReadInt32(head[20..]);
        }
    }

    public int LinkType { get; private set; } = PcapWriter.LinkTypeEthernet;

    /// <summary>Reads the next packet; false at the end of the file.</summary>
    public bool TryRead(out PcapRecord record)
    {
        record = default;
        return _ng ? TryReadBlock(out record) : TryReadClassic(out record);
    }

    private bool TryReadClassic(out PcapRecord record)
    {
        record = default;
        Span<byte> h = stackalloc byte[16];
        if (_stream.ReadAtLeast(h, 16, throwOnEndOfStream: false) < 16)
        {
            return false;
        }
        var seconds = (uint)ReadInt32(h);
        var fraction = (uint)ReadInt32(h[4..]);
        var captured = ReadInt32(h[8..]);
        var original = ReadInt32(h[12..]);
        var data = Fill(captured);
        var ticks = _ticksPerUnit == 0 ? fraction / 100 : fraction * _ticksPerUnit;
        record = new PcapRecord(data, DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(ticks), original);
        return true;
    }

    private bool TryReadBlock(out PcapRecord record)
    {
        record = default;
        Span<byte> h = stackalloc byte[8];
        while (true)
        {
            if (_stream.ReadAtLeast(h, 8, throwOnEndOfStream: false) < 8)
            {
                return false;
            }
            var type = (uint)ReadInt32(h);
            var length = ReadInt32(h[4..]);
            if (length < 12 || length % 4 != 0)
            {
                throw new InvalidDataException($"pcapng block of type {type} has an impossible length {length}");
            }
            var body = Fill(length - 8);
            switch (type)
            {
                case 1:
                    LinkType = ReadUInt16(body);
                    continue;
                case 6:
                    {
                        var ts = ((ulong)(uint)ReadInt32(body[4..]) << 32) | (uint)ReadInt32(body[8..]);
                        var captured = ReadInt32(body[12..]);
                        var original = ReadInt32(body[16..]);
                        if (captured < 0 || 20 + captured > body.Length)
                        {
                            throw new InvalidDataException($"pcapng packet block claims {captured} bytes in a {length}-byte block");
                        }
                        record = new PcapRecord(body.Slice(20, captured), DateTimeOffset.UnixEpoch.AddTicks((long)ts * _ticksPerUnit), original);
                        return true;
                    }
                case 3:
                    {
                        var original = ReadInt32(body);
                        var captured = Math.Min(original, body.Length - 8);
                        record = new PcapRecord(body.Slice(4, captured), default, original);
                        return true;
                    }
                default:
                    continue;
            }
        }
    }

    private ReadOnlySpan<byte> Fill(int count)
    {
        if (count < 0 || count > 16 * 1024 * 1024)
        {
            throw new InvalidDataException($"capture record of {count} bytes is not plausible");
        }
        if (_buffer.Length < count)
        {
            _buffer = new byte[count];
        }
        _stream.ReadExactly(_buffer, 0, count);
        return _buffer.AsSpan(0, count);
    }

    private void Skip(int count) => Fill(count);

    private int ReadInt32(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b);

    private ushort ReadUInt16(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    public void Dispose() => _stream.Dispose();
}
