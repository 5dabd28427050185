using Weft.Core.Addressing;
using Weft.Core.Errors;

namespace Weft.Core.Ipam;

/// <summary>
/// A block that automatic subnets are cut from, in pieces of one size: Docker's
/// <c>default-address-pools</c> entry <c>{"base": "10.10.0.0/16", "size": 24}</c>.
/// </summary>
public sealed record DefaultAddressPool
{
    public DefaultAddressPool(IpNetwork @base, int size)
    {
        var maxSize = @base.IsIPv6 ? SubnetRules.MaxIPv6PrefixWithGateway : SubnetRules.MaxIPv4PrefixWithGateway;
        if (size < @base.PrefixLength || size < 1 || size > maxSize)
        {
            throw new WeftValidationException(ErrorCodes.InvalidPool, $"address pool {@base} cannot be split into /{size} subnets: the size must be from /{Math.Max(@base.PrefixLength, 1)} to /{maxSize}");
        }

        SubnetRules.ValidateSubnet(@base);
        Base = @base;
        Size = size;
    }

    public IpNetwork Base { get; }

    public int Size { get; }

    /// <summary>
    /// Weft's default: 10.10.0.0/16 in /24s, 256 networks of 254 endpoints each.
    /// It stays clear of Docker's local pools (172.17.0.0/16 to 172.31.0.0/16 and 192.168.0.0/16),
    /// so docker0 and Compose networks never push Weft off a subnet, and of the start of Docker's
    /// swarm pool (10.0.0.0/8 from 10.0.0.0 upward). Lab underlays use 198.18.0.0/15, which is
    /// outside it too. Operators with other needs configure their own pools.
    /// </summary>
    public static IReadOnlyList<DefaultAddressPool> Defaults { get; } = [new(IpNetwork.Parse("10.10.0.0/16"), 24)];

    public override string ToString() => $"{Base} split into /{Size}";
}
