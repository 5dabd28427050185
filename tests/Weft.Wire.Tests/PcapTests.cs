using Weft.Wire.Pcap;
using Weft.Testing;

namespace Weft.Wire.Tests;

public class PcapTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Written_packets_read_back_identically(bool ng)
    {
        var frames = Enumerable.Range(0, 5)
            .Select(i => Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 7, (ushort)i, payload: 10 + i)))
            .ToArray();
        var t0 = new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero);
        using var ms = new MemoryStream();
        if (ng)
        {
            using var w = new PcapNgWriter(ms, "eth0", leaveOpen: true);
            for (var i = 0; i < frames.Length; i++)
            {
                w.Write(frames[i], t0.AddMilliseconds(i * 1.5));
            }
        }
        else
        {
            using var w = new PcapWriter(ms, leaveOpen: true);
            for (var i = 0; i < frames.Length; i++)
            {
                w.Write(frames[i], t0.AddMilliseconds(i * 1.5));
            }
        }
        ms.Position = 0;
        using var r = new PcapReader(ms);
        for (var i = 0; i < frames.Length; i++)
        {
            Assert.True(r.TryRead(out var rec));
            Assert.True(rec.Data.SequenceEqual(frames[i]));
            Assert.Equal(t0.AddMilliseconds(i * 1.5), rec.Timestamp);
            Assert.Equal(frames[i].Length, rec.OriginalLength);
        }
        Assert.False(r.TryRead(out _));
        Assert.Equal(PcapWriter.LinkTypeEthernet, r.LinkType);
    }

    [Fact]
    public void Snap_length_cuts_the_data_but_keeps_the_original_length()
    {
        var frame = Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 7, 1, payload: 500));
        using var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, snapLength: 96, leaveOpen: true))
        {
            w.Write(frame, DateTimeOffset.UnixEpoch);
        }
        ms.Position = 0;
        using var r = new PcapReader(ms);
        Assert.True(r.TryRead(out var rec));
        Assert.Equal(96, rec.Data.Length);
        Assert.Equal(frame.Length, rec.OriginalLength);
    }

    [Fact]
    public void A_file_that_is_not_a_capture_is_named_as_such()
    {
        using var ms = new MemoryStream("hello, world, this is text"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => new PcapReader(ms));
        Assert.Contains("not a pcap", e.Message, StringComparison.Ordinal);
    }
}
