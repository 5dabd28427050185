namespace Weft.Wire;

/// <summary>
/// A stable hash of an inner frame's flow. RFC 7348 §5 asks for the outer UDP source port to come from
/// such a hash, so that routers on the underlay spread different flows over their ECMP paths while one
/// flow keeps its order.
/// </summary>
public static class FlowHash
{
    /// <summary>The first port of the dynamic range the RFC recommends (49152–65535).</summary>
    public const int FirstSourcePort = 49152;

    /// <summary>Hashes addresses, protocol and ports of an IP frame, or the MACs and EtherType of anything else.</summary>
    public static uint Compute(ReadOnlySpan<byte> innerFrame)
    {
        var l = FrameLayers.Decode(innerFrame);
        if (l.IsIp)
        {
            // Symmetric in neither direction on purpose: each direction may take its own path.
            var h = Mix(0x9E3779B9u, (uint)l.Source.Value ^ (uint)(l.Source.Value >> 96));
            h = Mix(h, (uint)l.Destination.Value ^ (uint)(l.Destination.Value >> 96));
            h = Mix(h, ((uint)l.SourcePort << 16) | l.DestinationPort);
            return Finish(Mix(h, l.Protocol));
        }
        var m = Mix(0x9E3779B9u, (uint)l.Ethernet.Source.Value);
        m = Mix(m, (uint)l.Ethernet.Destination.Value);
        return Finish(Mix(m, l.Ethernet.EtherType));
    }

    /// <summary>The outer UDP source port for a frame: 49152 + hash mod 16384.</summary>
    public static ushort SourcePort(ReadOnlySpan<byte> innerFrame) =>
        (ushort)(FirstSourcePort + (Compute(innerFrame) % (65536 - FirstSourcePort)));

    // Murmur3's mixing steps: cheap, and good enough to spread a handful of fields.
    private static uint Mix(uint h, uint k)
    {
        k *= 0xCC9E2D51;
        k = uint.RotateLeft(k, 15) * 0x1B873593;
        h ^= k;
        return (uint.RotateLeft(h, 13) * 5) + 0xE6546B64;
    }

    private static uint Finish(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6B;
        h ^= h >> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >> 16);
    }
}
