using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;

namespace Weft.Core.Validation;

/// <summary>Checks an endpoint record against the network it joins.</summary>
public static class EndpointValidator
{
    /// <exception cref="WeftValidationException">the first broken rule, with its code.</exception>
    public static void Validate(EndpointRecord endpoint, NetworkRecord network)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(network);
        WeftIds.Validate(endpoint.Id, "endpoint");
        WeftIds.Validate(endpoint.SandboxId, "sandbox");
        WeftIds.Validate(endpoint.HostId, "host");
        if (endpoint.NetworkId != network.Id || endpoint.NetworkName != network.Name)
        {
            throw Invalid(endpoint, $"it names network '{endpoint.NetworkName}' ({WeftIds.Short(endpoint.NetworkId)}) but is checked against '{network.Name}' ({WeftIds.Short(network.Id)})");
        }

        if (endpoint.ContainerName is not null)
        {
            NameRules.ValidateSandboxName(endpoint.ContainerName);
        }

        if (endpoint.Hostname is not null)
        {
            NameRules.ValidateAlias(endpoint.Hostname);
        }

        foreach (var alias in endpoint.Aliases)
        {
            NameRules.ValidateAlias(alias);
        }

        KernelNames.ValidateInterfaceName(endpoint.InterfaceName);
        if (!endpoint.Mac.IsAssignable)
        {
            throw new WeftValidationException(ErrorCodes.InvalidMac, $"endpoint {WeftIds.Short(endpoint.Id)}: MAC {endpoint.Mac} cannot be given to an interface (it must be unicast and not all zeros)");
        }

        ValidateAddress(endpoint, network);
    }

    private static void ValidateAddress(EndpointRecord endpoint, NetworkRecord network)
    {
        if (!network.Driver.ManagesAddresses())
        {
            if (endpoint.Address is not null)
            {
                throw Invalid(endpoint, $"the {network.Driver.ToName()} driver gives no addresses, but the endpoint has {endpoint.Address}");
            }

            return;
        }

        if (endpoint.Address is not { } address)
        {
            throw Invalid(endpoint, $"an endpoint of {network.Driver.ToName()} network '{network.Name}' needs an address");
        }

        var subnet = network.Subnets.FirstOrDefault(s => s.Subnet.Contains(address))
            ?? throw new WeftValidationException(ErrorCodes.IpOutOfRange, $"address {address} is in no subnet of network '{network.Name}' ({string.Join(", ", network.Subnets.Select(s => s.Subnet))})");
        if (address.Equals(subnet.Gateway))
        {
            throw new WeftValidationException(ErrorCodes.IpReserved, $"address {address} is the gateway of {subnet.Subnet}");
        }

        if (subnet.Subnet.IsReservedAddress(address))
        {
            throw new WeftValidationException(ErrorCodes.IpReserved, $"address {address} is reserved in {subnet.Subnet} (network or broadcast address)");
        }
    }

    private static WeftValidationException Invalid(EndpointRecord endpoint, string problem) =>
        new(ErrorCodes.InvalidEndpoint, $"endpoint {WeftIds.Short(endpoint.Id)}: {problem}");
}
