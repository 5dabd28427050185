using System.Buffers.Binary;
using System.Net;

namespace Weft.Wire;

/// <summary>
/// An IPv4 or IPv6 address as a value, so decoded headers carry addresses without allocating an
/// <see cref="IPAddress"/> per packet. Convert with <see cref="ToIPAddress"/> only when printing.
/// </summary>
public readonly record struct WireAddress(UInt128 Value, bool IsV6)
{
    public static WireAddress V4(uint value) => new(value, false);

    public static WireAddress V6(UInt128 value) => new(value, true);

    public static WireAddress From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out var n);
        return n == 4 ? V4(BinaryPrimitives.ReadUInt32BigEndian(b)) : V6(BinaryPrimitives.ReadUInt128BigEndian(b));
    }

    public uint V4Value => (uint)Value;

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        if (!IsV6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)Value);
            return new IPAddress(b[..4]);
        }
        BinaryPrimitives.WriteUInt128BigEndian(b, Value);
        return new IPAddress(b);
    }

    public override string ToString() => ToIPAddress().ToString();
}
