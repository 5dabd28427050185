using Weft.Testing;

namespace Weft.Wire.Tests;

/// <summary>Garbage from the wire must give typed results: no exception, no hang, whatever the bytes.</summary>
public class FuzzTests
{
    [Fact]
    public void Every_truncation_of_a_valid_frame_gives_a_typed_result()
    {
        var full = Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1));
        for (var len = 0; len < full.Length; len++)
        {
            var f = VxlanFrame.Decode(full.AsSpan(0, len));
            Assert.False(f.IsVxlan && f.Inner.IsIcmp && f.Inner.Status == ParseStatus.Ok && len < full.Length - 64, $"length {len}");
        }
        Assert.Equal(ParseStatus.Truncated, VxlanFrame.Decode(full.AsSpan(0, 20)).Outer.Status);
    }

    [Fact]
    public void A_million_random_and_mutated_frames_produce_only_typed_results()
    {
        var rng = new Random(20261122);
        var seeds = new[]
        {
            Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 1, 1)),
            Frames.Encapsulated(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 1, 2, 100)),
            Frames.Encapsulated(Frames.Udp6WithExtensions(5, 6, 1, 2, 30)),
            Frames.Udp6WithExtensions(5, 6, 1, 2, 30),
        };
        var buffer = new byte[2048];
        var statuses = new int[Enum.GetValues<ParseStatus>().Length];
        var vxlan = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            int length;
            if (i % 4 == 0)
            {
                length = rng.Next(buffer.Length);
                rng.NextBytes(buffer.AsSpan(0, length));
            }
            else
            {
                var seed = seeds[i % seeds.Length];
                seed.CopyTo(buffer, 0);
                // Mostly whole frames with a few bytes changed, sometimes cut short as well.
                length = rng.Next(4) == 0 ? rng.Next(seed.Length + 1) : seed.Length;
                for (var m = rng.Next(1, 6); m > 0; m--)
                {
                    buffer[rng.Next(seed.Length)] = (byte)rng.Next(256);
                }
            }
            var f = VxlanFrame.Decode(buffer.AsSpan(0, length));
            statuses[(int)f.Outer.Status]++;
            if (f.IsVxlan)
            {
                vxlan++;
                statuses[(int)f.Inner.Status]++;
            }
        }
        // The mutations must reach the deep layers and produce every kind of result, or the test proves little.
        Assert.True(vxlan > 100_000, $"only {vxlan} frames decoded as VXLAN");
        foreach (var s in new[] { ParseStatus.Ok, ParseStatus.Truncated, ParseStatus.BadChecksum, ParseStatus.BadVersion, ParseStatus.BadLength })
        {
            Assert.True(statuses[(int)s] > 0, $"no frame produced {s}");
        }
    }
}
