namespace Weft.Dns;

/// <summary>
/// Rotation offsets for names with several addresses, so successive queries start at successive addresses.
/// Counters are kept per (name, type) in a fixed table indexed by hash: bounded memory, no allocation, and a
/// collision only shifts a rotation, which is harmless. Separate counters per type matter: stub resolvers ask
/// A and AAAA in pairs, and one shared counter would advance by two and show a two-address name in one order.
/// </summary>
internal sealed class RoundRobin
{
    private readonly int[] _counters = new int[4096];

    public int Next(string name, DnsType type, int count)
    {
        if (count <= 1)
        {
            return 0;
        }
        var slot = HashCode.Combine(name, type) & (_counters.Length - 1);
        var turn = Interlocked.Increment(ref _counters[slot]) - 1;
        return (int)((uint)turn % (uint)count);
    }
}
