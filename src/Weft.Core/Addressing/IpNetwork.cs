using System.Numerics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using Weft.Core.Errors;

namespace Weft.Core.Addressing;

/// <summary>
/// A CIDR block (IPv4 or IPv6) in canonical form: the host bits of its base address are zero.
/// Unlike <see cref="System.Net.IPNetwork"/>, it knows which addresses a host may use, can index
/// into the block, and compares and orders blocks; <see cref="ToSystemNetwork"/> converts when a
/// BCL API wants the framework type.
/// </summary>
/// <remarks>
/// Usable addresses follow the kernel and Docker: an IPv4 block of /30 or larger loses its network
/// and broadcast addresses, a /31 is a point-to-point link with both usable (RFC 3021), a /32 is its
/// one address. An IPv6 block loses its first address (the subnet-router anycast, RFC 4291) and has
/// no broadcast; a /128 is its one address.
/// </remarks>
[JsonConverter(typeof(IpNetworkJsonConverter))]
public readonly struct IpNetwork : IEquatable<IpNetwork>, IComparable<IpNetwork>
{
    private readonly UInt128 _start;
    private readonly byte _prefixLength;
    private readonly bool _isIPv6;

    private IpNetwork(UInt128 start, int prefixLength, bool isIPv6)
    {
        _start = start;
        _prefixLength = (byte)prefixLength;
        _isIPv6 = isIPv6;
    }

    public AddressFamily Family => _isIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    public bool IsIPv6 => _isIPv6;

    public int PrefixLength => _prefixLength;

    public int AddressBits => _isIPv6 ? 128 : 32;

    /// <summary>The first address of the block (the network address).</summary>
    public IPAddress BaseAddress => ToAddress(_start);

    /// <summary>The last address of the block (the broadcast address for IPv4).</summary>
    public IPAddress LastAddress => ToAddress(End);

    /// <summary>Offset of the last address from the first; always fits, even for ::/0.</summary>
    public UInt128 LastOffset => IpAddressMath.HostMask(AddressBits, _prefixLength);

    /// <summary>Number of addresses in the block. A BigInteger because ::/0 holds 2^128.</summary>
    public BigInteger AddressCount => (BigInteger)LastOffset + BigInteger.One;

    public IPAddress FirstUsable => ToAddress(FirstUsableValue);

    public IPAddress LastUsable => ToAddress(LastUsableValue);

    /// <summary>Number of addresses a host may use (see the remarks on the type).</summary>
    public UInt128 UsableCount => LastUsableValue - FirstUsableValue + UInt128.One;

    internal UInt128 Start => _start;

    internal UInt128 End => _start + LastOffset;

    internal UInt128 FirstUsableValue => HasReservedFirst ? _start + UInt128.One : _start;

    internal UInt128 LastUsableValue => HasBroadcast ? End - UInt128.One : End;

    /// <summary>The network address is reserved in blocks big enough to spare it.</summary>
    private bool HasReservedFirst => _isIPv6 ? _prefixLength <= 127 : _prefixLength <= 30;

    private bool HasBroadcast => !_isIPv6 && _prefixLength <= 30;

    /// <summary>Parses "10.0.0.0/24" or "fd00:1::/64"; a base address with host bits set is refused.</summary>
    /// <exception cref="WeftValidationException">invalid-subnet, naming the canonical form when only host bits were wrong.</exception>
    public static IpNetwork Parse(string text)
    {
        if (TryParse(text, out var network, out var error))
        {
            return network;
        }

        throw new WeftValidationException(ErrorCodes.InvalidSubnet, error);
    }

    public static bool TryParse(string? text, out IpNetwork network) => TryParse(text, out network, out _);

    public static bool TryParse(string? text, out IpNetwork network, out string error)
    {
        network = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0)
        {
            error = $"'{text}' is not a subnet in CIDR form (expected e.g. 10.0.0.0/24)";
            return false;
        }

        var addressText = text[..slash];
        var prefixText = text[(slash + 1)..];
        if (!IpAddressText.TryParse(addressText, out var address))
        {
            error = $"'{text}' is not a subnet: '{addressText}' is not an IP address";
            return false;
        }

        var bits = IpAddressMath.AddressBits(address.AddressFamily);
        if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit) || (prefixText.Length > 1 && prefixText[0] == '0')
            || !int.TryParse(prefixText, out var prefixLength) || prefixLength > bits)
        {
            error = $"'{text}' is not a subnet: the prefix length must be a number from 0 to {bits}";
            return false;
        }

        var value = IpAddressMath.ToUInt128(address);
        var hostMask = IpAddressMath.HostMask(bits, prefixLength);
        if ((value & hostMask) != UInt128.Zero)
        {
            // Docker quietly masks 10.0.10.5/24 to 10.0.10.0/24, which hides typos such as a
            // wrong prefix length. Weft refuses and shows the block that was probably meant.
            var canonical = new IpNetwork(value & ~hostMask, prefixLength, bits == 128);
            error = $"'{text}' has host bits set; did you mean {canonical}?";
            return false;
        }

        network = new IpNetwork(value, prefixLength, bits == 128);
        error = string.Empty;
        return true;
    }

    /// <summary>The block of the given length that holds <paramref name="address"/> (host bits are cleared).</summary>
    public static IpNetwork Containing(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bits = IpAddressMath.AddressBits(address.AddressFamily);
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, bits);
        var value = IpAddressMath.ToUInt128(address) & ~IpAddressMath.HostMask(bits, prefixLength);
        return new IpNetwork(value, prefixLength, bits == 128);
    }

    public static IpNetwork FromSystemNetwork(System.Net.IPNetwork network) =>
        Containing(network.BaseAddress, network.PrefixLength);

    public System.Net.IPNetwork ToSystemNetwork() => new(BaseAddress, PrefixLength);

    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != Family)
        {
            return false;
        }

        var value = IpAddressMath.ToUInt128(address);
        return value >= _start && value <= End;
    }

    public bool Contains(IpNetwork other) =>
        other._isIPv6 == _isIPv6 && other._start >= _start && other.End <= End;

    /// <summary>True when the two blocks share at least one address. Blocks of different families never do.</summary>
    public bool Overlaps(IpNetwork other) =>
        other._isIPv6 == _isIPv6 && other._start <= End && _start <= other.End;

    /// <summary>True for an address in the block that no host may hold: network or broadcast.</summary>
    public bool IsReservedAddress(IPAddress address)
    {
        if (!Contains(address))
        {
            return false;
        }

        var value = IpAddressMath.ToUInt128(address);
        return value < FirstUsableValue || value > LastUsableValue;
    }

    /// <summary>The address <paramref name="offset"/> places after the base address.</summary>
    public IPAddress AddressAt(UInt128 offset)
    {
        if (offset > LastOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{this} has no address at offset {offset}");
        }

        return ToAddress(_start + offset);
    }

    public UInt128 OffsetOf(IPAddress address)
    {
        if (!Contains(address))
        {
            throw new ArgumentOutOfRangeException(nameof(address), $"{address} is not in {this}");
        }

        return IpAddressMath.ToUInt128(address) - _start;
    }

    /// <summary>The blocks of length <paramref name="prefixLength"/> that tile this one, in address order, lazily.</summary>
    public IEnumerable<IpNetwork> Subnets(int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixLength, PrefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, AddressBits);
        return Enumerate(this, prefixLength);

        static IEnumerable<IpNetwork> Enumerate(IpNetwork parent, int prefixLength)
        {
            var step = IpAddressMath.HostMask(parent.AddressBits, prefixLength) + UInt128.One;
            var start = parent._start;
            while (true)
            {
                var child = new IpNetwork(start, prefixLength, parent._isIPv6);
                yield return child;
                if (child.End >= parent.End)
                {
                    yield break;
                }

                start += step;
            }
        }
    }

    internal IPAddress ToAddress(UInt128 value) => IpAddressMath.FromUInt128(value, Family);

    internal static IpNetwork FromStart(UInt128 start, int prefixLength, bool isIPv6) => new(start, prefixLength, isIPv6);

    public override string ToString() => $"{BaseAddress}/{PrefixLength}";

    public bool Equals(IpNetwork other) =>
        _start == other._start && _prefixLength == other._prefixLength && _isIPv6 == other._isIPv6;

    public override bool Equals(object? obj) => obj is IpNetwork other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_start, _prefixLength, _isIPv6);

    /// <summary>IPv4 before IPv6, then by base address, then shorter prefix (the bigger block) first.</summary>
    public int CompareTo(IpNetwork other)
    {
        var byFamily = _isIPv6.CompareTo(other._isIPv6);
        if (byFamily != 0)
        {
            return byFamily;
        }

        var byStart = _start.CompareTo(other._start);
        return byStart != 0 ? byStart : _prefixLength.CompareTo(other._prefixLength);
    }

    public static bool operator ==(IpNetwork left, IpNetwork right) => left.Equals(right);

    public static bool operator !=(IpNetwork left, IpNetwork right) => !left.Equals(right);

    public static bool operator <(IpNetwork left, IpNetwork right) => left.CompareTo(right) < 0;

    public static bool operator <=(IpNetwork left, IpNetwork right) => left.CompareTo(right) <= 0;

    public static bool operator >(IpNetwork left, IpNetwork right) => left.CompareTo(right) > 0;

    public static bool operator >=(IpNetwork left, IpNetwork right) => left.CompareTo(right) >= 0;
}
