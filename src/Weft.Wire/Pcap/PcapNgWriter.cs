using System.Buffers.Binary;
using System.Text;

namespace Weft.Wire.Pcap;

/// <summary>
/// Writes pcapng (a Section Header Block, one Interface Description Block, then Enhanced Packet Blocks),
/// the format that can name the interface a capture came from.
/// </summary>
public sealed class PcapNgWriter : IDisposable
{
    private const uint SectionHeaderBlock = 0x0A0D0D0A;
    private const uint InterfaceDescriptionBlock = 1;
    private const uint EnhancedPacketBlock = 6;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const ushort OptionEnd = 0;
    private const ushort OptionIfName = 2;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _snapLength;

    public PcapNgWriter(Stream stream, string? interfaceName = null, int snapLength = 262144, int linkType = PcapWriter.LinkTypeEthernet, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _snapLength = snapLength;

        Span<byte> shb = stackalloc byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(shb, SectionHeaderBlock);
        BinaryPrimitives.WriteUInt32LittleEndian(shb[4..], 28);
        BinaryPrimitives.WriteUInt32LittleEndian(shb[8..], ByteOrderMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(shb[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(shb[14..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(shb[16..], -1); // section length unknown
        BinaryPrimitives.WriteUInt32LittleEndian(shb[24..], 28);
        _stream.Write(shb);

        var name = interfaceName is null ? [] : Encoding.UTF8.GetBytes(interfaceName);
        var nameOption = name.Length == 0 ? 0 : 4 + Pad(name.Length);
        var length = 20 + nameOption + 4 + 4;
        var idb = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(idb, InterfaceDescriptionBlock);
        BinaryPrimitives.WriteInt32LittleEndian(idb.AsSpan(4), length);
        BinaryPrimitives.WriteUInt16LittleEndian(idb.AsSpan(8), (ushort)linkType);
        BinaryPrimitives.WriteInt32LittleEndian(idb.AsSpan(12), snapLength);
        var o = 16;
        if (name.Length > 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(idb.AsSpan(o), OptionIfName);
            BinaryPrimitives.WriteUInt16LittleEndian(idb.AsSpan(o + 2), (ushort)name.Length);
            name.CopyTo(idb, o + 4);
            o += nameOption;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(idb.AsSpan(o), OptionEnd);
        BinaryPrimitives.WriteInt32LittleEndian(idb.AsSpan(length - 4), length);
        _stream.Write(idb);
    }

    public long PacketsWritten { get; private set; }

    /// <summary>Writes one Enhanced Packet Block; timestamps are in microseconds, pcapng's default resolution.</summary>
    public void Write(ReadOnlySpan<byte> packet, DateTimeOffset timestamp, int originalLength = -1)
    {
        var captured = Math.Min(packet.Length, _snapLength);
        var padded = Pad(captured);
        var length = 28 + padded + 4;
        var micros = (ulong)((timestamp - DateTimeOffset.UnixEpoch).Ticks / 10);
        Span<byte> h = stackalloc byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(h, EnhancedPacketBlock);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], 0); // interface id
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)(micros >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)micros);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], captured);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], originalLength < 0 ? packet.Length : originalLength);
        _stream.Write(h);
        _stream.Write(packet[..captured]);
        Span<byte> tail = stackalloc byte[8];
        tail.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(tail[(padded - captured)..], length);
        _stream.Write(tail[..(padded - captured + 4)]);
        PacketsWritten++;
    }

    private static int Pad(int n) => (n + 3) & ~3;

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
