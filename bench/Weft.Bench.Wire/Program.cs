using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Weft.Bench;
using Weft.Bench.Wire;
using Weft.Wire;
using Weft.Wire.Pcap;

// bench/run wire:
//  1. BenchmarkDotNet: ns per packet and bytes allocated for decap-parse and encap-build of a 1450-byte frame;
//  2. whole-process decode of the same pcap file by Weft and by tshark (the peer), in packets per second;
//  3. live capture: the highest rate `weft capture`'s loop sustains on a veth with zero kernel drops (CaptureBench).
// bench/run wire capture: step 3 alone.
if (args.Length == 1 && args[0] == "capture")
{
    var (weftSteps, dumpcapSteps) = CaptureBench.Run(PrintStep);
    PrintCapture(weftSteps, dumpcapSteps);
    return 0;
}

if (args.Length == 2 && args[0] == "decode")
{
    // The child mode timed in step 2: read a capture and decode every frame down to the inner transport.
    using var reader = new PcapReader(File.OpenRead(args[1]));
    long count = 0, vxlan = 0;
    while (reader.TryRead(out var rec))
    {
        count++;
        if (VxlanFrame.Decode(rec.Data).IsVxlan)
        {
            vxlan++;
        }
    }
    Console.WriteLine($"{count} {vxlan}");
    return 0;
}

var config = ManualConfig.CreateMinimumViable()
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
    .WithOptions(ConfigOptions.DisableLogFile);
var summary = BenchmarkRunner.Run<WireBenchmarks>(config);
double Mean(string method) => summary.Reports.First(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method).ResultStatistics!.Mean;
long Allocated(string method) => summary.Reports.First(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method).GcStats.GetBytesAllocatedPerOperation(summary.Reports[0].BenchmarkCase) ?? -1;

const int Packets = 200_000;
var dir = Directory.CreateTempSubdirectory("wtt-bench-wire-");
try
{
    var path = Path.Combine(dir.FullName, "vxlan.pcap");
    using (var w = new PcapWriter(File.Create(path)))
    {
        var buffer = new byte[1500 + VxlanHeader.OverheadV4];
        for (var i = 0; i < Packets; i++)
        {
            var inner = SampleFrames.InnerUdp(1450 - EthernetHeader.Length, (ushort)(30000 + (i % 1000)));
            var n = SampleFrames.Tunnel.Encapsulate(inner, buffer);
            w.Write(buffer.AsSpan(0, n), DateTimeOffset.UnixEpoch.AddMilliseconds(i));
        }
    }
    var self = Environment.ProcessPath!;
    var weftSeconds = Time(self, "decode", path);
    var tsharkSeconds = Time("tshark", "-n", "-r", path, "-T", "fields", "-e", "vxlan.vni", "-e", "udp.dstport");
    Console.WriteLine("Live capture ladder (1500-byte VXLAN frames over a veth, one second per rate):");
    var (captureWeft, captureDumpcap) = CaptureBench.Run(PrintStep);

    Console.WriteLine();
    Console.WriteLine("Weft.Wire, 1450-byte inner frame (BenchmarkDotNet, in-process):");
    BenchResult.Figure("decap-parse (outer+vxlan+inner, checksums)", Mean("DecapParse"), "ns/packet");
    BenchResult.Figure("decap-parse allocated", Allocated("DecapParse"), "bytes/packet");
    BenchResult.Figure("encap-build (headers + 1450-byte copy)", Mean("EncapBuild"), "ns/packet");
    BenchResult.Figure("encap-build allocated", Allocated("EncapBuild"), "bytes/packet");
    Console.WriteLine($"Whole-process decode of a {Packets:N0}-packet VXLAN pcap:");
    BenchResult.Figure("weft (PcapReader + VxlanFrame.Decode)", Packets / weftSeconds, "packets/s");
    BenchResult.Figure("tshark -T fields -e vxlan.vni", Packets / tsharkSeconds, "packets/s");
    PrintCapture(captureWeft, captureDumpcap);
    BenchResult.Print("wire", "pcap decode packets/s, whole process", Packets / weftSeconds, Packets / tsharkSeconds, higherIsBetter: true);
    return 0;
}
finally
{
    dir.Delete(recursive: true);
}

static void PrintStep(string who, CaptureStep s) =>
    Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"  {who,-8} target {s.TargetRate,9:N0}/s  sent {s.SentRate,11:N0}/s  captured {s.Captured,9:N0} of {s.Sent,9:N0}  kernel: {s.Kernel.Drops:N0} dropped"));

static void PrintCapture(IReadOnlyList<CaptureStep> weft, IReadOnlyList<CaptureStep> dumpcap)
{
    Console.WriteLine("Live capture, highest rate with zero kernel drops (1500-byte frames, veth, same BPF filter and buffer):");
    BenchResult.Figure("weft capture loop (recv, decode, name, format)", CaptureBench.Best(weft), "packets/s");
    BenchResult.Figure("dumpcap -f 'udp dst port 4789' -w /dev/null", CaptureBench.Best(dumpcap), "packets/s");
    foreach (var (who, steps) in new[] { ("weft", weft), ("dumpcap", dumpcap) })
    {
        if (steps.Count > 0 && steps[^1].Clean)
        {
            // The receiver took everything: the figure is the sender's limit on this machine, a lower bound.
            Console.WriteLine($"  ({who} kept up with all the sender could send: its figure is a lower bound)");
        }
    }
    BenchResult.Print("capture", "zero-drop capture packets/s", CaptureBench.Best(weft), CaptureBench.Best(dumpcap), higherIsBetter: true);
}

static double Time(string file, params string[] arguments)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in arguments)
    {
        psi.ArgumentList.Add(a);
    }
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var drainErr = p.StandardError.ReadToEndAsync();
    var lines = 0;
    while (p.StandardOutput.ReadLine() is not null)
    {
        lines++;
    }
    p.WaitForExit();
    sw.Stop();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} exited with {p.ExitCode}: {drainErr.Result}");
    }
    return sw.Elapsed.TotalSeconds;
}
