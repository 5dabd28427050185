using Weft.Linux.Packets;
using Weft.Wire;
using Weft.Wire.Pcap;

namespace Weft.Cli.Commands.Capture;

/// <summary>What to capture and how to show it.</summary>
internal sealed record CaptureOptions
{
    /// <summary>Only frames of this VNI; null: every VXLAN frame.</summary>
    public int? Vni { get; init; }

    /// <summary>Stop after this many frames; 0: until cancelled.</summary>
    public long Count { get; init; }

    /// <summary>Print only the inner frame's part of each line.</summary>
    public bool InnerOnly { get; init; }

    /// <summary>Frames are cut to this many bytes, in the pcap too.</summary>
    public int SnapLength { get; init; } = 262144;
}

/// <summary>How a capture ended: frames shown, and the kernel's counts for the socket.</summary>
internal readonly record struct CaptureResult(long Captured, PacketStatistics Kernel)
{
    public string Summary => $"{Captured} packets captured, {Kernel.Drops} dropped by the kernel";
}

/// <summary>
/// The capture loop: receive, decode, name, print, optionally write to a pcap. It owns no resources; the command
/// (or a test) opens the socket, wherever it should live, and disposes it.
/// </summary>
internal sealed class CaptureSession(PacketSocket socket, CaptureFormatter formatter, CaptureOptions options)
{
    /// <summary>How often a blocked receive looks at the cancellation token.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The UDP destination port the kernel filter passes: VXLAN's IANA port, as the agent's devices use.</summary>
    public const ushort VxlanPort = VxlanHeader.DefaultPort;

    public static SocketFilter Filter(int snapLength = 262144) => SocketFilter.Ipv4UdpDestinationPort(VxlanPort, (uint)snapLength);

    /// <summary>Set for `--format json`: each packet is printed as one line of JSON, its text line as the summary.</summary>
    public CapturedPacketBuilder? Json { get; init; }

    /// <summary>Called with each decoded frame, after it was printed (tests compare what was decoded).</summary>
    public Action<VxlanFrame>? OnFrame { get; init; }

    /// <summary>Runs until <see cref="CaptureOptions.Count"/> frames were shown or <paramref name="cancellationToken"/> fires.</summary>
    public CaptureResult Run(TextWriter output, PcapWriter? pcap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new byte[options.SnapLength];
        var line = new char[CaptureFormatter.MaxLineLength];
        long captured = 0;
        while (!cancellationToken.IsCancellationRequested && (options.Count <= 0 || captured < options.Count))
        {
            var length = socket.Receive(buffer, PollInterval);
            if (length < 0)
            {
                continue;
            }

            var data = buffer.AsSpan(0, Math.Min(length, buffer.Length));
            var frame = VxlanFrame.Decode(data);
            if (options.Vni is { } vni && (!frame.IsVxlan || frame.Vni != vni))
            {
                continue;
            }

            captured++;
            var time = DateTimeOffset.UtcNow;
            pcap?.Write(data, time, length);
            var n = formatter.Format(frame, options.InnerOnly, line);
            if (Json is { } json)
            {
                output.WriteLine(CaptureJson.Line(json, frame, time, length, new string(line, 0, n)));
            }
            else
            {
                output.WriteLine(line.AsSpan(0, n));
            }

            OnFrame?.Invoke(frame);
        }

        pcap?.Flush();
        return new CaptureResult(captured, socket.ReadStatistics());
    }
}
