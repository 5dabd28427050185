using System.Diagnostics;
using System.Globalization;
using System.Net;
using Weft.Api;
using Weft.Cli.Commands.Capture;
using Weft.Linux.Namespaces;
using Weft.Linux.Packets;
using Weft.Testing;
using Weft.Wire;
using Weft.Wire.Pcap;
using Weft.Core.Addressing;

namespace Weft.Capture.Tests;

/// <summary>
/// `weft capture` on a two-host lab: what it prints and writes must match what tshark makes of the same frames,
/// and a VXLAN frame Weft builds by hand must be taken in by the kernel's own VXLAN device and answered.
/// </summary>
[RequiresRoot]
public sealed class CaptureLabTests : IAsyncLifetime
{
    private const string Network = "test-net";
    private readonly string _dir = Directory.CreateTempSubdirectory("wtt-capture-").FullName;
    private LabFixture? _lab;
    private NetworkDetail _net = null!;
    private SandboxDetail _shell = null!;
    private SandboxDetail _shell2 = null!;

    private LabFixture Lab => _lab!;

    public async Task InitializeAsync()
    {
        _lab = await LabFixture.UpAsync(2);
        using var c1 = Lab.Client(1);
        using var c2 = Lab.Client(2);
        _net = await c1.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.0.10.0/24")] });
        await LabFixture.EventuallyAsync(async () => (await c2.ListNetworksAsync()).Any(n => n.Name == Network), $"host 2 sees {Network}");
        _shell = await c1.CreateSandboxAsync(Sandbox("shell"));
        _shell2 = await c2.CreateSandboxAsync(Sandbox("shell2"));
        // Each agent programs the other's endpoint from the store: wait until the overlay carries a ping both ways.
        await LabFixture.EventuallyAsync(() => LabFixture.PingAsync(_shell2.NetworkNamespace, Ip(_shell)), "shell2 reaches shell");
        await LabFixture.EventuallyAsync(() => LabFixture.PingAsync(_shell.NetworkNamespace, Ip(_shell2)), "shell reaches shell2");
    }

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Capture_on_host2_prints_and_writes_what_tshark_reads_from_the_same_frames()
    {
        using var c2 = Lab.Client(2);
        var names = await CaptureNames.LoadAsync(c2, CancellationToken.None);
        using var hostNs = NetworkNamespace.Open(Lab.Host(2).Namespace);
        using var socket = PacketSocket.Open(hostNs, "eth0", CaptureSession.Filter());
        var decoded = new List<VxlanFrame>();
        var session = new CaptureSession(socket, new CaptureFormatter(names), new CaptureOptions { Vni = _net.Vni }) { OnFrame = decoded.Add };
        var path = Path.Combine(_dir, "host2.pcap");
        var output = new StringWriter(CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        CaptureResult result;
        using (var pcap = new PcapWriter(File.Create(path)))
        {
            var capture = Task.Factory.StartNew(() => session.Run(output, pcap, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.True(await LabFixture.PingAsync(_shell2.NetworkNamespace, Ip(_shell), count: 3));
            await Task.Delay(300);
            await stop.CancelAsync();
            result = await capture;
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(result.Captured >= 6, $"3 requests and 3 replies, got {result.Captured}:\n{output}");
        Assert.Equal(0, result.Kernel.Drops);
        Assert.Equal(result.Captured, lines.Length);
        Assert.Equal(result.Captured, decoded.Count);

        var (h1, h2) = (Lab.Host(1), Lab.Host(2));
        var rows = Tshark.Fields(path, ["ip.src", "ip.dst", "udp.dstport", "vxlan.vni", "eth.src", "eth.dst", "icmp.type", "icmp.ident", "icmp.seq"]);
        Assert.Equal(decoded.Count, rows.Count);
        var requests = 0;
        var replies = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var (weft, t, line) = (decoded[i], rows[i], lines[i]);
            Assert.True(weft.IsVxlan);
            Assert.Equal($"{weft.Outer.Source},{weft.Inner.Source}", t["ip.src"]);
            Assert.Equal($"{weft.Outer.Destination},{weft.Inner.Destination}", t["ip.dst"]);
            Assert.Equal("4789", t["udp.dstport"].Split(',')[0]);
            Assert.Equal(weft.Vni.ToString(CultureInfo.InvariantCulture), t["vxlan.vni"]);
            Assert.Equal($"{weft.Outer.Ethernet.Source},{weft.Inner.Ethernet.Source}", t["eth.src"]);
            Assert.Equal($"{weft.Outer.Ethernet.Destination},{weft.Inner.Ethernet.Destination}", t["eth.dst"]);
            Assert.True(weft.Inner.IsIcmp, line);
            Assert.Equal(weft.Inner.Icmp.Type.ToString(CultureInfo.InvariantCulture), t["icmp.type"]);
            Assert.Equal(weft.Inner.Icmp.Identifier.ToString(CultureInfo.InvariantCulture), t["icmp.ident"].Split(',')[0]);
            Assert.Equal(weft.Inner.Icmp.Sequence.ToString(CultureInfo.InvariantCulture), t["icmp.seq"].Split(',')[0]);

            // The printed line says the same, with names: the kernel built these frames, so this is Weft reading the kernel.
            var (outerSrc, outerDst, innerIps) = t["icmp.type"] == "8"
                ? (h2, h1, $"shell2 {Ip(_shell2)} → shell {Ip(_shell)}")
                : (h1, h2, $"shell {Ip(_shell)} → shell2 {Ip(_shell2)}");
            Assert.Equal(outerSrc.Address + "," + innerIps.Split(' ')[1], t["ip.src"]);
            var kind = t["icmp.type"] == "8" ? "request" : "reply";
            Assert.Equal(
                $"{outerSrc.Name} → {outerDst.Name}  vxlan vni {_net.Vni} ({Network}) | {innerIps}  ICMP echo {kind} id {t["icmp.ident"]} seq {t["icmp.seq"]}",
                line);
            requests += t["icmp.type"] == "8" ? 1 : 0;
            replies += t["icmp.type"] == "0" ? 1 : 0;
        }

        Assert.True(requests >= 3 && replies >= 3, string.Join('\n', lines));

        // Weft's checksum code agrees with the kernel's on these kernel-built frames: both IPv4 header checksums
        // (a decode reports BadChecksum otherwise), the outer UDP checksum and the inner ICMP checksum that
        // ping's kernel socket computed.
        using var reader = new Weft.Wire.Pcap.PcapReader(File.OpenRead(path));
        var verified = 0;
        var json = new CapturedPacketBuilder(names, h2.Name, "eth0");
        while (reader.TryRead(out var record))
        {
            var frame = record.Data;
            var f = VxlanFrame.Decode(frame);

            // `--format json` of the same kernel-built frame says what tshark says, field by field, with the names.
            using (var packet = System.Text.Json.JsonDocument.Parse(CaptureJson.Line(json, frame, DateTimeOffset.UtcNow, lines[verified])))
            {
                var (p, t) = (packet.RootElement, rows[verified]);
                var (outerJson, innerJson) = (p.GetProperty("outer"), p.GetProperty("inner"));
                Assert.Equal(t["ip.src"], $"{outerJson.GetProperty("source").GetString()},{innerJson.GetProperty("source").GetString()}");
                Assert.Equal(t["ip.dst"], $"{outerJson.GetProperty("destination").GetString()},{innerJson.GetProperty("destination").GetString()}");
                Assert.Equal(t["eth.src"], $"{outerJson.GetProperty("sourceMac").GetString()},{innerJson.GetProperty("sourceMac").GetString()}");
                Assert.Equal(t["vxlan.vni"], p.GetProperty("vxlan").GetProperty("vni").GetInt32().ToString(CultureInfo.InvariantCulture));
                Assert.Equal(Network, p.GetProperty("vxlan").GetProperty("network").GetString());
                Assert.Equal(4789, outerJson.GetProperty("destinationPort").GetInt32());
                var icmp = innerJson.GetProperty("icmp");
                Assert.Equal(t["icmp.type"], icmp.GetProperty("type").GetInt32().ToString(CultureInfo.InvariantCulture));
                Assert.Equal(t["icmp.seq"].Split(',')[0], icmp.GetProperty("seq").GetInt32().ToString(CultureInfo.InvariantCulture));
                var request = t["icmp.type"] == "8";
                Assert.Equal(request ? ("shell2", "shell") : ("shell", "shell2"), (innerJson.GetProperty("sourceName").GetString(), innerJson.GetProperty("destinationName").GetString()));
                Assert.Equal(request ? (h2.Name, h1.Name) : (h1.Name, h2.Name), (outerJson.GetProperty("sourceName").GetString(), outerJson.GetProperty("destinationName").GetString()));
                Assert.Equal(lines[verified], p.GetProperty("summary").GetString());
            }

            Assert.Equal((ParseStatus.Ok, ParseStatus.Ok, ParseStatus.Ok), (f.Outer.Status, f.VxlanStatus, f.Inner.Status));
            var udp = frame[f.Outer.TransportOffset..(EthernetHeader.Length + f.Outer.NetworkLength)];
            Assert.True(OuterUdpChecksumAgrees(udp, f.Outer.Source, f.Outer.Destination), "outer UDP checksum");
            var inner = frame[f.InnerOffset..];
            Assert.True(IcmpHeader.VerifyV4(inner[f.Inner.TransportOffset..(EthernetHeader.Length + f.Inner.NetworkLength)]), "inner ICMP checksum");
            verified++;
        }
        Assert.Equal(decoded.Count, verified);
    }

    /// <summary>
    /// Linux checksums VXLAN's outer UDP by default, but offloads it: on veths the frame leaves with only the
    /// folded pseudo-header sum in the field, for hardware that never comes. So the field is either a complete
    /// checksum or exactly that partial sum, and both must agree with Weft's pseudo-header arithmetic.
    /// </summary>
    private static bool OuterUdpChecksumAgrees(ReadOnlySpan<byte> udp, WireAddress source, WireAddress destination)
    {
        if (UdpHeader.VerifyChecksum(udp, source, destination))
        {
            return true;
        }
        var pseudo = InternetChecksum.AddPseudoHeaderV4(0, source.V4Value, destination.V4Value, IpProtocols.Udp, udp.Length);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(udp[6..]) == (ushort)~InternetChecksum.Finish(pseudo);
    }

    [Fact]
    public async Task A_vxlan_frame_built_by_weft_is_decapsulated_by_the_kernel_and_answered()
    {
        var (h1, h2) = (Lab.Host(1), Lab.Host(2));
        using var ns1 = NetworkNamespace.Open(h1.Namespace);
        using var ns2 = NetworkNamespace.Open(h2.Namespace);
        var mac1 = EthMac(ns1);
        var mac2 = EthMac(ns2);
        using var socket = PacketSocket.Open(ns1, "eth0", CaptureSession.Filter());

        // From shell (host1) to shell2 (host2), as host1's VXLAN device would send it, but built and sent by Weft.
        const ushort id = 0xbeef, seq = 7;
        var inner = Frames.IcmpEcho(V4(Ip(_shell)), V4(Ip(_shell2)), id, seq, payload: 32,
            srcMac: MacAddress.Parse(_shell.Endpoints[0].Mac), dstMac: MacAddress.Parse(_shell2.Endpoints[0].Mac));
        var tunnel = new VxlanTunnel(mac1, mac2, V4(h1.Address), V4(h2.Address), _net.Vni!.Value);
        var frame = new byte[inner.Length + VxlanHeader.OverheadV4];
        tunnel.Encapsulate(inner, frame);
        socket.Send(frame);

        // host2's kernel decapsulates it, delivers it to shell2, and shell2's reply comes back over the underlay.
        var buffer = new byte[2048];
        var deadline = Stopwatch.StartNew();
        VxlanFrame reply = default;
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            var n = socket.Receive(buffer, TimeSpan.FromMilliseconds(200));
            if (n <= 0)
            {
                continue;
            }

            var f = VxlanFrame.Decode(buffer.AsSpan(0, n));
            if (f.IsVxlan && f.Inner.IsIcmp && f.Inner.Icmp is { Type: IcmpHeader.EchoReply, Identifier: id, Sequence: seq })
            {
                reply = f;
                break;
            }
        }

        Assert.True(reply.IsVxlan, "no echo reply came back within 5 s");
        Assert.Equal(_net.Vni, reply.Vni);
        Assert.Equal(h2.Address, reply.Outer.Source.ToString());
        Assert.Equal(h1.Address, reply.Outer.Destination.ToString());
        Assert.Equal(Ip(_shell2), reply.Inner.Source.ToString());
        Assert.Equal(Ip(_shell), reply.Inner.Destination.ToString());
        Assert.Equal(MacAddress.Parse(_shell.Endpoints[0].Mac), reply.Inner.Ethernet.Destination);
        Assert.Equal(MacAddress.Parse(_shell2.Endpoints[0].Mac), reply.Inner.Ethernet.Source);
        Assert.Equal(0, socket.ReadStatistics().Drops);
    }

    [Fact]
    public async Task The_weft_capture_command_runs_inside_a_lab_host_and_reports_kernel_counts()
    {
        var host2 = Lab.Host(2);
        var (lines, stderr) = await CaptureTwoPingPacketsAsync(["-w", Path.Combine(_dir, "cli.pcap")]);
        Assert.Equal(2, lines.Length);
        Assert.Matches($"^{host2.Name} → {Lab.Host(1).Name}  vxlan vni {_net.Vni} \\({Network}\\) \\| shell2 {Regex(Ip(_shell2))} → shell {Regex(Ip(_shell))}  ICMP echo request id \\d+ seq 1$", lines[0]);
        Assert.Matches($"^{Lab.Host(1).Name} → {host2.Name}  vxlan vni {_net.Vni} \\({Network}\\) \\| shell {Regex(Ip(_shell))} → shell2 {Regex(Ip(_shell2))}  ICMP echo reply id \\d+ seq 1$", lines[1]);
        Assert.Equal("2 packets captured, 0 dropped by the kernel", stderr.Trim());
        using var reader = new PcapReader(File.OpenRead(Path.Combine(_dir, "cli.pcap")));
        var written = 0;
        while (reader.TryRead(out _))
        {
            written++;
        }

        Assert.Equal(2, written);

        // `--format json`: the same two packets as JSON Lines, one object each, with names and the text line as summary.
        var (jsonLines, _) = await CaptureTwoPingPacketsAsync(["--format", "json"]);
        Assert.Equal(2, jsonLines.Length);
        var packets = jsonLines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(packets, p => Assert.Equal((host2.Name, "eth0", _net.Vni), (p.GetProperty("host").GetString(), p.GetProperty("interface").GetString(),
            (int?)p.GetProperty("vxlan").GetProperty("vni").GetInt32())));
        Assert.Equal(["echo request", "echo reply"], packets.Select(p => p.GetProperty("inner").GetProperty("icmp").GetProperty("kind").GetString()));
        Assert.Equal((Ip(_shell2), "shell2", Ip(_shell), "shell"), (packets[0].GetProperty("inner").GetProperty("source").GetString(),
            packets[0].GetProperty("inner").GetProperty("sourceName").GetString(), packets[0].GetProperty("inner").GetProperty("destination").GetString(),
            packets[0].GetProperty("inner").GetProperty("destinationName").GetString()));
        Assert.Equal((host2.Address, Lab.Host(1).Address), (packets[0].GetProperty("outer").GetProperty("source").GetString(),
            packets[0].GetProperty("outer").GetProperty("destination").GetString()));
        Assert.All(packets, p => Assert.True(p.GetProperty("time").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5)));
    }

    /// <summary>Runs `weft capture --count 2 --network test-net ARGS` on host2 while shell2 pings shell once; its stdout lines and stderr.</summary>
    private async Task<(string[] Lines, string Stderr)> CaptureTwoPingPacketsAsync(IReadOnlyList<string> args)
    {
        var host2 = Lab.Host(2);
        var psi = new ProcessStartInfo(WeftBinary.Command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in WeftBinary.Command.Skip(1).Concat(["capture", "--count", "2", "--network", Network, .. args]))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment[WeftApiClient.SocketEnvironmentVariable] = host2.SocketPath;
        using var ns = NetworkNamespace.Open(host2.Namespace);
        using var process = ns.StartProcess(psi);
        try
        {
            // It says so on stderr once the socket is open; only then is a ping sure to be seen.
            var first = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("capturing VXLAN (udp dst port 4789) on eth0, vni " + _net.Vni + " only", first);
            Assert.True(await LabFixture.PingAsync(_shell2.NetworkNamespace, Ip(_shell), count: 1));
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
            return ((await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries), await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static CreateSandboxRequest Sandbox(string name) =>
        new() { Name = name, Networks = [new SandboxNetworkSpec(Network)], Command = ["sleep", "infinity"] };

    private static string Ip(SandboxDetail sandbox) => sandbox.Endpoints[0].Address!;

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    private static uint V4(string dotted) => WireAddress.From(IPAddress.Parse(dotted)).V4Value;

    private static MacAddress EthMac(NetworkNamespace ns)
    {
        using var nl = ns.OpenNetlink();
        var bytes = nl.GetLink("eth0").MacAddress!.GetAddressBytes();
        return MacAddress.Read(bytes);
    }
}
