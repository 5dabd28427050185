using System.Buffers.Binary;
using Weft.Core.Addressing;

namespace Weft.Wire;

/// <summary>An ARP packet for IPv4 over Ethernet (RFC 826), the only kind an overlay carries.</summary>
public readonly record struct ArpPacket(ushort Operation, MacAddress SenderMac, uint SenderIp, MacAddress TargetMac, uint TargetIp)
{
    public const int Length = 28;
    public const ushort Request = 1;
    public const ushort Reply = 2;

    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out ArpPacket packet)
    {
        packet = default;
        if (data.Length < Length)
        {
            return ParseStatus.Truncated;
        }
        var hardware = BinaryPrimitives.ReadUInt16BigEndian(data);
        var protocol = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (hardware != 1 || protocol != EtherTypes.Ipv4 || data[4] != 6 || data[5] != 4)
        {
            return ParseStatus.Unsupported;
        }
        packet = new ArpPacket(
            BinaryPrimitives.ReadUInt16BigEndian(data[6..]),
            MacAddress.Read(data[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[14..]),
            MacAddress.Read(data[18..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[24..]));
        return ParseStatus.Ok;
    }

    public int Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, 1);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], EtherTypes.Ipv4);
        destination[4] = 6;
        destination[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], Operation);
        SenderMac.WriteTo(destination[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[14..], SenderIp);
        TargetMac.WriteTo(destination[18..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], TargetIp);
        return Length;
    }
}
