using System.Buffers.Binary;

namespace Weft.Wire;

/// <summary>
/// The VXLAN header (RFC 7348 §5): an I flag that says the VNI is valid, and a 24-bit VNI. The reserved
/// bits are written as zero and ignored on receipt, as the RFC requires.
/// </summary>
public readonly record struct VxlanHeader(int Vni)
{
    public const int Length = 8;
    public const ushort DefaultPort = 4789;
    public const int MaxVni = (1 << 24) - 1;
    /// <summary>Outer Ethernet + IPv4 + UDP + VXLAN: what encapsulation adds to a frame.</summary>
    public const int OverheadV4 = EthernetHeader.Length + Ipv4Header.MinLength + UdpHeader.HeaderLength + Length;

    private const byte FlagI = 0x08;

    public int Vni { get; } = (uint)Vni <= MaxVni
        ? Vni
        : throw new ArgumentOutOfRangeException(nameof(Vni), Vni, $"a VNI is 24 bits: 0..{MaxVni}");

    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out VxlanHeader header)
    {
        header = default;
        if (data.Length < Length)
        {
            return ParseStatus.Truncated;
        }
        if ((data[0] & FlagI) == 0)
        {
            return ParseStatus.Unsupported;
        }
        header = new VxlanHeader((int)(BinaryPrimitives.ReadUInt32BigEndian(data[4..]) >> 8));
        return ParseStatus.Ok;
    }

    public int Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)FlagI << 24);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)Vni << 8);
        return Length;
    }
}
