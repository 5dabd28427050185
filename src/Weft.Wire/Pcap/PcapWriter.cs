using System.Buffers.Binary;

namespace Weft.Wire.Pcap;

/// <summary>
/// Writes the classic libpcap format (microsecond timestamps, host byte order as little-endian), which
/// tcpdump, tshark and Wireshark all read. One packet costs two writes and no allocation.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    public const uint Magic = 0xA1B2C3D4;
    public const int LinkTypeEthernet = 1;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _snapLength;

    public PcapWriter(Stream stream, int snapLength = 262144, int linkType = LinkTypeEthernet, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _snapLength = snapLength;
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0); // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0); // sigfigs
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], snapLength);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], linkType);
        _stream.Write(h);
    }

    public long PacketsWritten { get; private set; }

    /// <summary>Writes one packet, cut to the snap length; <paramref name="originalLength"/> defaults to the data's length.</summary>
    public void Write(ReadOnlySpan<byte> packet, DateTimeOffset timestamp, int originalLength = -1)
    {
        var captured = Math.Min(packet.Length, _snapLength);
        var micros = (timestamp - DateTimeOffset.UnixEpoch).Ticks / 10;
        Span<byte> h = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)(micros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)(micros % 1_000_000));
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], captured);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], originalLength < 0 ? packet.Length : originalLength);
        _stream.Write(h);
        _stream.Write(packet[..captured]);
        PacketsWritten++;
    }

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
