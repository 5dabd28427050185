using Weft.Core.Errors;
using Weft.Core.Ipam;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Core.Overlay;

namespace Weft.Core.Validation;

/// <summary>
/// Checks a complete network record, as it is about to be stored: by then the agent has chosen
/// the subnet, gateway and VNI. Overlaps with other networks need the store's view and are checked
/// by <see cref="SubnetRules.EnsureNoOverlap"/>.
/// </summary>
public static class NetworkValidator
{
    /// <exception cref="WeftValidationException">the first broken rule, with its code.</exception>
    public static void Validate(NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(network);
        WeftIds.Validate(network.Id, "network");
        NameRules.ValidateNetworkName(network.Name);
        var driver = network.Driver;
        if (!Enum.IsDefined(driver) || !Enum.IsDefined(network.Scope))
        {
            throw Invalid(network, $"driver '{driver}' or scope '{network.Scope}' is unknown");
        }

        if (network.Scope != driver.ScopeOf())
        {
            throw Invalid(network, $"the {driver.ToName()} driver works in {driver.ScopeOf().ToName()} scope, not {network.Scope.ToName()}");
        }

        ValidateAddressing(network);
        ValidateVni(network);

        if (network.Mtu is { } mtu)
        {
            MtuRules.Validate(mtu, network.Subnets.Any(s => s.Subnet.IsIPv6));
        }

        ValidateKeys(network, network.Options, "option");
        ValidateKeys(network, network.Labels, "label");
    }

    private static void ValidateAddressing(NetworkRecord network)
    {
        if (!network.Driver.ManagesAddresses())
        {
            if (network.Subnets.Count > 0)
            {
                throw Invalid(network, $"the {network.Driver.ToName()} driver does not manage addresses, so it takes no subnets");
            }

            return;
        }

        if (network.Subnets.Count == 0)
        {
            throw Invalid(network, $"a {network.Driver.ToName()} network needs at least one subnet");
        }

        foreach (var subnet in network.Subnets)
        {
            SubnetRules.Validate(subnet);
        }

        SubnetRules.EnsureNoOverlap(network.Id, network.Subnets, []);
    }

    private static void ValidateVni(NetworkRecord network)
    {
        if (network.Driver != NetworkDriver.Overlay)
        {
            if (network.Vni is not null)
            {
                throw Invalid(network, $"only overlay networks have a VNI; this one uses the {network.Driver.ToName()} driver");
            }

            return;
        }

        if (network.Vni is not { } vni)
        {
            throw Invalid(network, "an overlay network needs a VNI");
        }

        VniRules.Validate(vni);
    }

    private static void ValidateKeys(NetworkRecord network, IReadOnlyDictionary<string, string> entries, string what)
    {
        foreach (var key in entries.Keys)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                throw Invalid(network, $"{what} keys must not be empty");
            }
        }
    }

    private static WeftValidationException Invalid(NetworkRecord network, string problem) =>
        new(ErrorCodes.InvalidNetwork, $"network '{network.Name}': {problem}");
}
