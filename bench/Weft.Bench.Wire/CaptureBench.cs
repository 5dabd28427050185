using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Weft.Cli.Commands.Capture;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Packets;
using Weft.Wire;

namespace Weft.Bench.Wire;

/// <summary>One step of the capture ladder: what was asked, what the sender managed, and what the kernel counted.</summary>
internal readonly record struct CaptureStep(int TargetRate, double SentRate, long Sent, long Captured, PacketStatistics Kernel)
{
    public bool Clean => Kernel.Drops == 0 && Captured == Sent;
}

/// <summary>
/// How many packets per second `weft capture` keeps up with: two throw-away namespaces ("wtt…") joined by a veth
/// pair; a packet socket in one sends 1500-byte VXLAN frames at a paced rate, and the capture loop itself
/// (<see cref="CaptureSession"/>: kernel filter, receive, decode, name, format; lines to a null writer) reads them in
/// the other. The rate doubles each second until the kernel drops a frame (PACKET_STATISTICS) or the sender cannot
/// go faster, then two halving steps narrow the edge. The peer is Wireshark's dumpcap with the same filter and
/// buffer size, writing to /dev/null, on the same ladder.
/// </summary>
internal static class CaptureBench
{
    private const string Filter = "udp dst port 4789";
    private const int BufferMiB = PacketSocket.DefaultReceiveBufferBytes >> 20;

    public static (IReadOnlyList<CaptureStep> Weft, IReadOnlyList<CaptureStep> Dumpcap) Run(Action<string, CaptureStep> report, bool withPeer = true)
    {
        var prefix = "wtt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var left = NetworkNamespace.Create(prefix + "-bench-send");
        NetworkNamespace? right = null;
        try
        {
            right = NetworkNamespace.Create(prefix + "-bench-capture");
            using (var nl = left.OpenNetlink())
            {
                nl.AddLink(new Veth { Name = "s0", PeerName = "c0", PeerNamespace = right });
                nl.SetLinkUp("s0");
            }

            using (var nl = right.OpenNetlink())
            {
                nl.SetLinkUp("c0");
            }

            // Frames sent before the link watcher has activated the devices' qdiscs are dropped; IFF_RUNNING comes with it.
            WaitRunning(left, "s0");
            WaitRunning(right, "c0");

            var frame = new byte[1500];
            var length = SampleFrames.Tunnel.Encapsulate(SampleFrames.InnerUdp(1450 - VxlanHeader.OverheadV4), frame);
            var payload = frame.AsMemory(0, length);
            using var sender = PacketSocket.Open(left, "s0");
            var weft = Ladder(rate => WeftStep(sender, right, payload, rate), s => report("weft", s));
            var dumpcap = withPeer ? Ladder(rate => DumpcapStep(sender, right, payload, rate), s => report("dumpcap", s)) : [];
            return (weft, dumpcap);
        }
        finally
        {
            foreach (var ns in new[] { left, right })
            {
                if (ns is not null)
                {
                    ns.Dispose();
                    NetworkNamespace.Delete(ns.Name);
                }
            }
        }
    }

    private static void WaitRunning(NetworkNamespace ns, string name)
    {
        using var nl = ns.OpenNetlink();
        var clock = Stopwatch.StartNew();
        while ((nl.GetLink(name).Flags & LinkFlags.Running) == 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
        }
    }

    /// <summary>The best rate of a ladder that the receiver took without a loss.</summary>
    public static double Best(IReadOnlyList<CaptureStep> steps) => steps.Where(s => s.Clean).Select(s => s.SentRate).DefaultIfEmpty(0).Max();

    private static List<CaptureStep> Ladder(Func<int, CaptureStep> step, Action<CaptureStep> report, int startRate = 25_000, int maxSteps = 8)
    {
        var steps = new List<CaptureStep>();
        var clean = 0;
        var failed = 0;
        for (int i = 0, rate = startRate; i < maxSteps; i++, rate *= 2)
        {
            var s = step(rate);
            steps.Add(s);
            report(s);
            if (!s.Clean)
            {
                failed = rate;
                break;
            }

            clean = rate;
            if (s.SentRate < rate * 0.9)
            {
                return steps; // sender-bound: the receiver kept up with all the sender could do
            }
        }

        for (var i = 0; i < 2 && failed > clean && clean > 0; i++)
        {
            var rate = (clean + failed) / 2;
            var s = step(rate);
            steps.Add(s);
            report(s);
            (clean, failed) = s.Clean ? (rate, failed) : (clean, rate);
        }

        return steps;
    }

    private static CaptureStep WeftStep(PacketSocket sender, NetworkNamespace captureNs, ReadOnlyMemory<byte> frame, int rate)
    {
        using var receiver = PacketSocket.Open(captureNs, "c0", CaptureSession.Filter());
        var session = new CaptureSession(receiver, new CaptureFormatter(CaptureNames.Empty), new CaptureOptions());
        using var stop = new CancellationTokenSource();
        var capture = Task.Factory.StartNew(() => session.Run(TextWriter.Null, null, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var (sent, sentRate) = Blast(sender, frame.Span, rate);
        Thread.Sleep(300); // let the last frames reach the socket
        stop.Cancel();
        var result = capture.GetAwaiter().GetResult();
        return new CaptureStep(rate, sentRate, sent, result.Captured, result.Kernel);
    }

    private static CaptureStep DumpcapStep(PacketSocket sender, NetworkNamespace captureNs, ReadOnlyMemory<byte> frame, int rate)
    {
        var psi = new ProcessStartInfo("dumpcap") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-i", "c0", "-f", Filter, "-B", BufferMiB.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", "/dev/null" })
        {
            psi.ArgumentList.Add(a);
        }

        using var dumpcap = captureNs.StartProcess(psi);
        var stdout = dumpcap.StandardOutput.ReadToEndAsync();
        // "Capturing on 'c0'" comes before the capture starts; "File: /dev/null" once it has.
        while (dumpcap.StandardError.ReadLine() is { } line && !line.StartsWith("File:", StringComparison.Ordinal))
        {
        }

        var (sent, sentRate) = Blast(sender, frame.Span, rate);
        Thread.Sleep(300);
        Signal(dumpcap.Id, "INT");
        var stderr = dumpcap.StandardError.ReadToEnd();
        dumpcap.WaitForExit();
        stdout.GetAwaiter().GetResult();
        var m = Regex.Match(stderr, @"received/dropped on interface '[^']*': (\d+)/(\d+)");
        if (!m.Success)
        {
            throw new InvalidOperationException($"dumpcap did not report its counts: {stderr}");
        }

        var received = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var dropped = long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        return new CaptureStep(rate, sentRate, sent, received, new PacketStatistics(received + dropped, dropped));
    }

    /// <summary>Paced by the clock for one second: packet i leaves no earlier than i/rate s after the start.</summary>
    private static (long Sent, double Rate) Blast(PacketSocket sender, ReadOnlySpan<byte> frame, int rate)
    {
        var ticksPerPacket = (double)Stopwatch.Frequency / rate;
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (sent < rate)
        {
            var due = (long)(sent * ticksPerPacket);
            while (clock.ElapsedTicks < due)
            {
                Thread.SpinWait(20);
            }

            sender.Send(frame);
            sent++;
        }

        return (sent, sent / clock.Elapsed.TotalSeconds);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
