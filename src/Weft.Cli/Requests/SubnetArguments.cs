using System.Net;
using Weft.Api;
using Weft.Core.Addressing;

namespace Weft.Cli.Requests;

/// <summary>
/// Pairs `--subnet`, `--gateway` and `--ip-range` into the API's subnet list. With one subnet the others belong to
/// it and go to the agent as typed, so the agent's validation names any bad value. With several, each gateway and
/// range belongs to the subnet that contains it, as in `docker network create`.
/// </summary>
internal static class SubnetArguments
{
    public static IReadOnlyList<SubnetSpec> Pair(IReadOnlyList<string> subnets, IReadOnlyList<string> gateways, IReadOnlyList<string> ipRanges)
    {
        if (subnets.Count == 0)
        {
            if (gateways.Count > 0 || ipRanges.Count > 0)
            {
                throw new UsageException(gateways.Count > 0
                    ? "--gateway needs --subnet: an automatic subnet chooses its own gateway"
                    : "--ip-range needs --subnet: an automatic subnet uses all of itself");
            }

            return [];
        }

        if (subnets.Count == 1)
        {
            if (gateways.Count > 1 || ipRanges.Count > 1)
            {
                throw new UsageException("one --subnet takes at most one --gateway and one --ip-range");
            }

            return [new SubnetSpec(subnets[0], gateways.Count > 0 ? gateways[0] : null, ipRanges.Count > 0 ? ipRanges[0] : null)];
        }

        var parsed = subnets.Select(ParseSubnet).ToList();
        var gatewayOf = new string?[subnets.Count];
        var rangeOf = new string?[subnets.Count];
        foreach (var gateway in gateways)
        {
            if (!IPAddress.TryParse(gateway, out var address))
            {
                throw new UsageException($"--gateway '{gateway}' is not an IP address");
            }

            Assign(gatewayOf, IndexContaining(parsed, n => n.Contains(address), "--gateway", gateway), "--gateway", gateway);
        }

        foreach (var range in ipRanges)
        {
            if (!IpNetwork.TryParse(range, out var rangeNetwork))
            {
                throw new UsageException($"--ip-range '{range}' is not a CIDR block");
            }

            Assign(rangeOf, IndexContaining(parsed, n => n.Contains(rangeNetwork), "--ip-range", range), "--ip-range", range);
        }

        return [.. subnets.Select((subnet, i) => new SubnetSpec(subnet, gatewayOf[i], rangeOf[i]))];
    }

    private static IpNetwork ParseSubnet(string subnet) =>
        IpNetwork.TryParse(subnet, out var network, out var error)
            ? network
            : throw new UsageException($"--subnet {error}");

    private static int IndexContaining(List<IpNetwork> subnets, Func<IpNetwork, bool> contains, string optionName, string value)
    {
        var index = subnets.FindIndex(n => contains(n));
        return index >= 0 ? index : throw new UsageException($"{optionName} '{value}' is in none of the subnets");
    }

    private static void Assign(string?[] slots, int index, string optionName, string value)
    {
        if (slots[index] is { } taken)
        {
            throw new UsageException($"{optionName} '{value}' and '{taken}' are both in the same subnet");
        }

        slots[index] = value;
    }
}
