using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;

namespace Weft.Core.Ipam;

/// <summary>
/// The addresses of one subnet that IPAM may hand out automatically: the usable addresses of the
/// subnet, narrowed to the IP range if one is set, less the gateway. Static requests are checked
/// against the whole subnet instead (<see cref="IpAllocator.ValidateStatic"/>), as in Docker.
/// </summary>
public sealed class AddressPool
{
    internal AddressPool(IpNetwork subnet, IPAddress? gateway, IpNetwork? range)
    {
        Subnet = subnet;
        Gateway = gateway;
        IPRange = range;
        var low = subnet.FirstUsableValue;
        var high = subnet.LastUsableValue;
        if (range is { } r)
        {
            low = UInt128.Max(low, r.Start);
            high = UInt128.Min(high, r.End);
        }

        Low = low;
        High = high;
        GatewayValue = gateway is null ? null : IpAddressMath.ToUInt128(gateway);
        var span = low > high ? UInt128.Zero : high - low + UInt128.One;
        Capacity = GatewayValue is { } g && g >= low && g <= high ? span - UInt128.One : span;
    }

    public IpNetwork Subnet { get; }

    public IPAddress? Gateway { get; }

    public IpNetwork? IPRange { get; }

    /// <summary>How many addresses automatic allocation can hand out in total.</summary>
    public UInt128 Capacity { get; }

    /// <summary>Bounds of the automatic range as integers; empty when Low &gt; High.</summary>
    internal UInt128 Low { get; }

    internal UInt128 High { get; }

    internal UInt128? GatewayValue { get; }

    /// <summary>Validates the subnet config and builds its pool.</summary>
    /// <exception cref="WeftValidationException">as <see cref="SubnetRules.Validate"/>.</exception>
    public static AddressPool From(SubnetConfig config)
    {
        SubnetRules.Validate(config);
        return new AddressPool(config.Subnet, config.Gateway, config.IPRange);
    }

    /// <summary>Whether automatic allocation may hand out this address (ignoring whether it is taken).</summary>
    public bool IsAutomatic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != Subnet.Family)
        {
            return false;
        }

        var value = IpAddressMath.ToUInt128(address);
        return value >= Low && value <= High && value != GatewayValue;
    }

    public override string ToString() =>
        IPRange is { } range ? $"{Subnet} (range {range})" : Subnet.ToString();
}
