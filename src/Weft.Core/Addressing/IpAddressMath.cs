using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Weft.Core.Addressing;

/// <summary>
/// Addresses as unsigned integers, so IPv4 and IPv6 share one arithmetic. An IPv4 address uses the
/// low 32 bits of the <see cref="UInt128"/>.
/// </summary>
public static class IpAddressMath
{
    public static UInt128 ToUInt128(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException($"cannot read the bytes of {address}", nameof(address));
        }

        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static IPAddress FromUInt128(UInt128 value, AddressFamily family)
    {
        if (family == AddressFamily.InterNetwork)
        {
            if (value > uint.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "value does not fit in an IPv4 address");
            }

            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)value);
            return new IPAddress(v4);
        }

        if (family != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "only IPv4 and IPv6 are supported");
        }

        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, value);
        return new IPAddress(v6);
    }

    public static int AddressBits(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => 32,
        AddressFamily.InterNetworkV6 => 128,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "only IPv4 and IPv6 are supported"),
    };

    /// <summary>The mask of the host part of a prefix: all ones below the prefix.</summary>
    public static UInt128 HostMask(int addressBits, int prefixLength)
    {
        var hostBits = addressBits - prefixLength;
        // Shifting a UInt128 by 128 wraps to a shift by 0, so the whole-space case is spelled out.
        return hostBits >= 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - UInt128.One;
    }
}
