using Weft.Wire.Pcap;
using Weft.Testing;

namespace Weft.Wire.Tests;

/// <summary>
/// Frames Weft builds and files Weft writes must read the same in Wireshark's dissectors: tshark (Debian)
/// is the peer, compared field by field.
/// </summary>
public sealed class TsharkInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wtt-wire-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tshark_decodes_weft_built_vxlan_as_weft_does(bool ng)
    {
        var frames = new[]
        {
            Frames.Encapsulated(Frames.IcmpEcho(Frames.ShellIp, Frames.Shell2Ip, 3072, 0), vni: 256),
            Frames.Encapsulated(Frames.IcmpEcho(Frames.Shell2Ip, Frames.ShellIp, 3072, 1, srcMac: Frames.Shell2Mac, dstMac: Frames.ShellMac), vni: 257),
            Frames.Encapsulated(Frames.Udp(Frames.ShellIp, Frames.Shell2Ip, 40000, 5201, 200), vni: VxlanHeader.MaxVni),
        };
        var path = Path.Combine(_dir, ng ? "weft.pcapng" : "weft.pcap");
        using (var file = File.Create(path))
        {
            if (ng)
            {
                using var w = new PcapNgWriter(file, "eth0");
                foreach (var f in frames)
                {
                    w.Write(f, DateTimeOffset.UtcNow);
                }
            }
            else
            {
                using var w = new PcapWriter(file);
                foreach (var f in frames)
                {
                    w.Write(f, DateTimeOffset.UtcNow);
                }
            }
        }

        var rows = Weft.Testing.Tshark.Fields(path, ["ip.src", "ip.dst", "udp.srcport", "udp.dstport", "vxlan.vni", "vxlan.flags", "eth.src", "icmp.type", "icmp.ident", "icmp.seq", "ip.proto"]);
        Assert.Equal(frames.Length, rows.Count);
        for (var i = 0; i < frames.Length; i++)
        {
            var weft = VxlanFrame.Decode(frames[i]);
            var t = rows[i];
            Assert.Equal($"{weft.Outer.Source},{weft.Inner.Source}", t["ip.src"]);
            Assert.Equal($"{weft.Outer.Destination},{weft.Inner.Destination}", t["ip.dst"]);
            Assert.StartsWith(weft.Outer.SourcePort.ToString(), t["udp.srcport"], StringComparison.Ordinal);
            Assert.StartsWith("4789", t["udp.dstport"], StringComparison.Ordinal);
            Assert.Equal(weft.Vni.ToString(), t["vxlan.vni"]);
            Assert.Equal("0x0800", t["vxlan.flags"]);
            Assert.Equal($"{weft.Outer.Ethernet.Source},{weft.Inner.Ethernet.Source}", t["eth.src"]);
            Assert.Equal($"17,{weft.Inner.Protocol}", t["ip.proto"]);
            if (weft.Inner.IsIcmp)
            {
                Assert.Equal(weft.Inner.Icmp.Type.ToString(), t["icmp.type"]);
                Assert.Equal(weft.Inner.Icmp.Identifier.ToString(), t["icmp.ident"].Split(',')[0]);
                Assert.Equal(weft.Inner.Icmp.Sequence.ToString(), t["icmp.seq"].Split(',')[0]);
            }
        }
        // Wireshark's own checksum verdicts agree that the headers Weft built are valid.
        var checks = Weft.Testing.Tshark.Fields(path, ["ip.checksum.status", "icmp.checksum.status", "udp.checksum.status"], "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE");
        foreach (var row in checks)
        {
            Assert.DoesNotContain("0", row["ip.checksum.status"].Split(','));
            Assert.DoesNotContain("0", row["udp.checksum.status"].Split(','));
        }
    }
}
