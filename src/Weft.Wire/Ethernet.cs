using System.Buffers.Binary;
using Weft.Core.Addressing;

namespace Weft.Wire;

/// <summary>An Ethernet II header, with at most one 802.1Q tag.</summary>
public readonly record struct EthernetHeader(MacAddress Destination, MacAddress Source, ushort EtherType, int VlanId = EthernetHeader.NoVlan)
{
    public const int NoVlan = -1;
    public const int Length = 14;
    public const int TagLength = 4;

    public bool HasVlan => VlanId != NoVlan;

    /// <summary>Bytes this header occupies on the wire.</summary>
    public int HeaderLength => HasVlan ? Length + TagLength : Length;

    public static ParseStatus TryParse(ReadOnlySpan<byte> frame, out EthernetHeader header)
    {
        header = default;
        if (frame.Length < Length)
        {
            return ParseStatus.Truncated;
        }
        var dst = MacAddress.Read(frame);
        var src = MacAddress.Read(frame[6..]);
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var vlan = NoVlan;
        if (type is EtherTypes.Vlan or EtherTypes.QinQ)
        {
            if (frame.Length < Length + TagLength)
            {
                return ParseStatus.Truncated;
            }
            vlan = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) & 0x0FFF;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
        }
        if (type < 0x0600)
        {
            // An 802.3 length field, not an EtherType: not a frame Weft carries.
            return ParseStatus.Unsupported;
        }
        header = new EthernetHeader(dst, src, type, vlan);
        return ParseStatus.Ok;
    }

    public int Write(Span<byte> destination)
    {
        Destination.WriteTo(destination);
        Source.WriteTo(destination[6..]);
        if (HasVlan)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[12..], EtherTypes.Vlan);
            BinaryPrimitives.WriteUInt16BigEndian(destination[14..], (ushort)(VlanId & 0x0FFF));
            BinaryPrimitives.WriteUInt16BigEndian(destination[16..], EtherType);
            return Length + TagLength;
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], EtherType);
        return Length;
    }
}
