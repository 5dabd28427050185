using Weft.Core.Addressing;
using Weft.Core.Errors;

namespace Weft.Core.Ipam;

/// <summary>
/// Picks a subnet for a network created without one: the first block of the pools that overlaps
/// no existing network and no route of any host. A subnet that shadows a host route would cut that
/// host off from whatever the route leads to, which is why every host's routes count, not only the
/// local ones.
/// </summary>
public static class SubnetSelector
{
    /// <summary>Candidate subnets in order (pool by pool, lowest address first), lazily.</summary>
    /// <param name="inUse">Subnets of existing networks.</param>
    /// <param name="hostRoutes">Destinations of the hosts' routes. Default routes (prefix 0) are ignored: they overlap everything and say nothing about where a subnet would clash.</param>
    public static IEnumerable<IpNetwork> Candidates(IEnumerable<DefaultAddressPool> pools, IEnumerable<IpNetwork> inUse, IEnumerable<IpNetwork> hostRoutes)
    {
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(inUse);
        ArgumentNullException.ThrowIfNull(hostRoutes);
        var blockers = inUse.Concat(hostRoutes.Where(route => route.PrefixLength > 0)).ToList();
        return pools.ToList().SelectMany(pool => FreeBlocks(pool, Merge(blockers, pool.Base)));
    }

    /// <summary>The first candidate.</summary>
    /// <exception cref="WeftValidationException">subnet-pool-exhausted when every block overlaps something.</exception>
    public static IpNetwork Select(IReadOnlyList<DefaultAddressPool> pools, IEnumerable<IpNetwork> inUse, IEnumerable<IpNetwork> hostRoutes)
    {
        ArgumentNullException.ThrowIfNull(pools);
        foreach (var subnet in Candidates(pools, inUse, hostRoutes))
        {
            return subnet;
        }

        throw new WeftValidationException(ErrorCodes.SubnetPoolExhausted, $"no free subnet in the address pools ({string.Join(", ", pools)}): each overlaps an existing network or a host route; give a subnet explicitly or configure more pools");
    }

    /// <summary>The blockers that touch the pool, as sorted, disjoint [start, end] intervals.</summary>
    private static List<(UInt128 Start, UInt128 End)> Merge(List<IpNetwork> blockers, IpNetwork poolBase)
    {
        var relevant = blockers.Where(poolBase.Overlaps).Select(b => (b.Start, b.End)).Order().ToList();
        var merged = new List<(UInt128 Start, UInt128 End)>(relevant.Count);
        foreach (var (start, end) in relevant)
        {
            if (merged.Count > 0 && (merged[^1].End == UInt128.MaxValue || start <= merged[^1].End + UInt128.One))
            {
                merged[^1] = (merged[^1].Start, UInt128.Max(merged[^1].End, end));
            }
            else
            {
                merged.Add((start, end));
            }
        }

        return merged;
    }

    /// <summary>
    /// Walks the pool's blocks, jumping past each blocker instead of testing block by block, so a
    /// 10.0.0.0/8 pool split into /24s with thousands of networks costs no more than the blockers.
    /// </summary>
    private static IEnumerable<IpNetwork> FreeBlocks(DefaultAddressPool pool, List<(UInt128 Start, UInt128 End)> blockers)
    {
        var poolBase = pool.Base;
        var blockSize = IpAddressMath.HostMask(poolBase.AddressBits, pool.Size) + UInt128.One;
        var lastBlock = poolBase.LastOffset / blockSize;
        UInt128 block = 0;
        var next = 0;
        while (true)
        {
            var start = poolBase.Start + (block * blockSize);
            var end = start + blockSize - UInt128.One;
            while (next < blockers.Count && blockers[next].End < start)
            {
                next++;
            }

            if (next < blockers.Count && blockers[next].Start <= end)
            {
                // Continue with the block after the one holding the blocker's last address.
                var blockerEnd = UInt128.Min(blockers[next].End, poolBase.End);
                block = (blockerEnd - poolBase.Start) / blockSize;
            }
            else
            {
                yield return IpNetwork.FromStart(start, pool.Size, poolBase.IsIPv6);
            }

            if (block == lastBlock)
            {
                yield break;
            }

            block++;
        }
    }
}
