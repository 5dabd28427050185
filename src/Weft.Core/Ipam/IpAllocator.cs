using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;

namespace Weft.Core.Ipam;

/// <summary>
/// Which address to give an endpoint next. Pure: the store says what is taken; the agent tries the
/// candidates in order, claiming each by creating its key only if absent, and moves on when another
/// agent claimed it first.
/// </summary>
/// <remarks>
/// Order: every address never used, lowest first; then the recently released ones, the one released
/// longest ago first. Handing a just-freed address to a new container is what leaves stale ARP
/// entries and DNS answers pointing at the wrong one, so reuse comes last and as late as possible.
/// "Never used" means "not taken and not in the released list": the store keeps that list bounded,
/// and an address that fell off it is as good as new.
/// Cost: O(k log k) for k taken or released addresses, whatever the size of the subnet; the range
/// itself is never materialized.
/// </remarks>
public static class IpAllocator
{
    /// <summary>Free addresses of <paramref name="pool"/> in the order to try them. Lazy; a snapshot of the inputs is taken at the call.</summary>
    /// <param name="taken">Addresses held now; ones outside the pool are ignored.</param>
    /// <param name="releasedOldestFirst">Recently released addresses in the order they were released. If one appears more than once its last release counts.</param>
    public static IEnumerable<IPAddress> Candidates(AddressPool pool, IEnumerable<IPAddress> taken, IEnumerable<IPAddress> releasedOldestFirst)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(taken);
        ArgumentNullException.ThrowIfNull(releasedOldestFirst);
        if (pool.Capacity == UInt128.Zero)
        {
            return [];
        }

        var takenValues = new HashSet<UInt128>();
        foreach (var address in taken)
        {
            if (pool.IsAutomatic(address))
            {
                takenValues.Add(IpAddressMath.ToUInt128(address));
            }
        }

        // Last release wins: an address released, taken again and released again was freed at the end.
        var releaseOrder = new Dictionary<UInt128, int>();
        var index = 0;
        foreach (var address in releasedOldestFirst)
        {
            if (pool.IsAutomatic(address))
            {
                releaseOrder[IpAddressMath.ToUInt128(address)] = index;
            }

            index++;
        }

        var reusable = releaseOrder.Where(pair => !takenValues.Contains(pair.Key))
            .OrderBy(pair => pair.Value)
            .Select(pair => pair.Key)
            .ToArray();

        var skipped = new List<UInt128>(takenValues.Count + releaseOrder.Count + 1);
        skipped.AddRange(takenValues);
        skipped.AddRange(releaseOrder.Keys);
        if (pool.GatewayValue is { } gateway && gateway >= pool.Low && gateway <= pool.High)
        {
            skipped.Add(gateway);
        }

        skipped.Sort();
        return Walk(pool, skipped, reusable);
    }

    /// <summary>The first candidate.</summary>
    /// <exception cref="WeftValidationException">pool-exhausted when every address of the pool is taken.</exception>
    public static IPAddress First(AddressPool pool, IEnumerable<IPAddress> taken, IEnumerable<IPAddress> releasedOldestFirst)
    {
        foreach (var address in Candidates(pool, taken, releasedOldestFirst))
        {
            return address;
        }

        throw new WeftValidationException(ErrorCodes.PoolExhausted, $"no free address in {pool}: all {pool.Capacity} assignable addresses are in use");
    }

    /// <summary>
    /// Checks an address the user asked for. It may lie outside the IP range (that is what the rest
    /// of the subnet is for) but must be in the subnet and not be its network, broadcast or gateway
    /// address, nor held by anyone.
    /// </summary>
    /// <exception cref="WeftValidationException">ip-out-of-range, ip-reserved or ip-taken.</exception>
    public static void ValidateStatic(AddressPool pool, IPAddress requested, IReadOnlySet<IPAddress> taken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(taken);
        var subnet = pool.Subnet;
        if (!subnet.Contains(requested))
        {
            throw new WeftValidationException(ErrorCodes.IpOutOfRange, $"address {requested} is not in subnet {subnet}");
        }

        if (requested.Equals(pool.Gateway))
        {
            throw new WeftValidationException(ErrorCodes.IpReserved, $"address {requested} is the gateway of {subnet}");
        }

        if (subnet.IsReservedAddress(requested))
        {
            var which = IpAddressMath.ToUInt128(requested) == subnet.Start ? "network" : "broadcast";
            throw new WeftValidationException(ErrorCodes.IpReserved, $"address {requested} is the {which} address of {subnet}");
        }

        if (taken.Contains(requested))
        {
            throw new WeftValidationException(ErrorCodes.IpTaken, $"address {requested} is already in use in {subnet}");
        }
    }

    private static IEnumerable<IPAddress> Walk(AddressPool pool, List<UInt128> skippedSorted, UInt128[] reusable)
    {
        var subnet = pool.Subnet;
        var next = pool.Low;
        var exhausted = false;
        foreach (var skip in skippedSorted)
        {
            if (skip < next)
            {
                continue;
            }

            for (; next < skip; next++)
            {
                yield return subnet.ToAddress(next);
            }

            if (skip == pool.High)
            {
                exhausted = true;
                break;
            }

            next = skip + UInt128.One;
        }

        if (!exhausted)
        {
            while (true)
            {
                yield return subnet.ToAddress(next);
                if (next == pool.High)
                {
                    break;
                }

                next++;
            }
        }

        foreach (var value in reusable)
        {
            yield return subnet.ToAddress(value);
        }
    }
}
