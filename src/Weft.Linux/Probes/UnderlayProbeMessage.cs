using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Weft.Linux.Probes;

/// <summary>
/// The bytes of `weft doctor`'s UDP 4789 probe and of its answer. A probe is a real VXLAN datagram (RFC 7348 header,
/// VNI <see cref="Vni"/>) whose inner Ethernet frame carries the IEEE local-experimental EtherType 0x88B5, the magic
/// "WEFT", a nonce, and where to answer. The answer is a plain UDP datagram back to that address, carrying the nonce
/// and the length of the inner frame that arrived, so the prober learns both that the peer got it and how big.
/// </summary>
public static class UnderlayProbeMessage
{
    /// <summary>
    /// VNI 0: Weft never gives it to a network (VniRules start at 1), so the probe device never collides with one, and
    /// the kernel's VXLAN socket hands it only to the probe device.
    /// </summary>
    public const int Vni = 0;

    public const ushort EtherType = 0x88B5;

    /// <summary>"WEFT" as a big-endian word: what the packet socket's filter compares.</summary>
    public const uint Magic = 0x57454654;

    public const int VxlanHeaderLength = 8;
    public const int EthernetHeaderLength = 14;
    public const int NonceLength = 16;

    /// <summary>Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14): what VXLAN adds to an overlay packet.</summary>
    public const int OuterOverhead = 20 + 8 + VxlanHeaderLength + EthernetHeaderLength;

    private const byte RequestKind = 1, ReplyKind = 2, Version = 1;

    // magic(4) kind(1) version(1) reserved(2) nonce(16) reply address(4) reply port(2)
    private const int RequestBodyLength = 4 + 1 + 1 + 2 + NonceLength + 4 + 2;

    // magic(4) kind(1) version(1) reserved(2) nonce(16) received inner frame length(4)
    private const int ReplyLength = 4 + 1 + 1 + 2 + NonceLength + 4;

    /// <summary>The smallest probe, as the outer IPv4 packet's length.</summary>
    public const int MinimumPacketLength = OuterOverhead + RequestBodyLength;

    private static readonly byte[] SourceMac = [0x02, 0x57, 0x00, 0x00, 0x00, 0x01];

    /// <summary>
    /// The UDP payload of a probe (VXLAN header and inner frame) padded so the outer IPv4 packet is
    /// <paramref name="packetLength"/> bytes long, as a full-size overlay packet would be.
    /// </summary>
    public static byte[] Request(ReadOnlySpan<byte> nonce, IPEndPoint replyTo, int packetLength)
    {
        ArgumentNullException.ThrowIfNull(replyTo);
        if (nonce.Length != NonceLength)
        {
            throw new ArgumentException($"a probe nonce is {NonceLength} bytes", nameof(nonce));
        }
        if (replyTo.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("probes answer to IPv4 addresses only", nameof(replyTo));
        }
        var payload = new byte[Math.Max(MinimumPacketLength, packetLength) - 28];
        payload[0] = 0x08; // I flag: the VNI is valid
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), (uint)Vni << 8);
        var frame = payload.AsSpan(VxlanHeaderLength);
        frame[..6].Fill(0xFF);
        SourceMac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherType);
        var body = frame[EthernetHeaderLength..];
        BinaryPrimitives.WriteUInt32BigEndian(body, Magic);
        body[4] = RequestKind;
        body[5] = Version;
        nonce.CopyTo(body[8..]);
        replyTo.Address.TryWriteBytes(body[24..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(body[28..], (ushort)replyTo.Port);
        return payload;
    }

    /// <summary>A probe as the probe device's packet socket sees it (the inner frame); false for anything else.</summary>
    public static bool TryReadRequest(ReadOnlySpan<byte> frame, out byte[] nonce, out IPEndPoint replyTo)
    {
        nonce = [];
        replyTo = new IPEndPoint(IPAddress.None, 0);
        if (frame.Length < EthernetHeaderLength + RequestBodyLength
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherType)
        {
            return false;
        }
        var body = frame[EthernetHeaderLength..];
        if (BinaryPrimitives.ReadUInt32BigEndian(body) != Magic || body[4] != RequestKind || body[5] != Version)
        {
            return false;
        }
        nonce = body.Slice(8, NonceLength).ToArray();
        replyTo = new IPEndPoint(new IPAddress(body.Slice(24, 4)), BinaryPrimitives.ReadUInt16BigEndian(body[28..]));
        return replyTo.Port != 0;
    }

    /// <summary>The answer's UDP payload.</summary>
    public static byte[] Reply(ReadOnlySpan<byte> nonce, int receivedFrameLength)
    {
        var reply = new byte[ReplyLength];
        BinaryPrimitives.WriteUInt32BigEndian(reply, Magic);
        reply[4] = ReplyKind;
        reply[5] = Version;
        nonce.CopyTo(reply.AsSpan(8));
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(24), receivedFrameLength);
        return reply;
    }

    /// <summary>An answer to the probe with <paramref name="nonce"/>: the outer packet length the peer received.</summary>
    public static bool TryReadReply(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> nonce, out int receivedPacketLength)
    {
        receivedPacketLength = 0;
        if (datagram.Length < ReplyLength || BinaryPrimitives.ReadUInt32BigEndian(datagram) != Magic
            || datagram[4] != ReplyKind || !datagram.Slice(8, NonceLength).SequenceEqual(nonce))
        {
            return false;
        }
        receivedPacketLength = BinaryPrimitives.ReadInt32BigEndian(datagram[24..]) + OuterOverhead - EthernetHeaderLength;
        return true;
    }
}
