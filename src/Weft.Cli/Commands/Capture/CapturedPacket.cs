using System.Text.Json;
using Weft.Cli.Output;
using Weft.Core.Addressing;
using Weft.Wire;

namespace Weft.Cli.Commands.Capture;

/// <summary>
/// One packet of `weft capture --format json`, one line each (JSON Lines): the facts of the text line, as fields, with
/// the cluster's names beside the numbers. Fields that do not apply to a packet (ports of an ARP, the inner frame of a
/// UDP datagram that is not VXLAN) are left out.
/// </summary>
/// <param name="Time">When the packet was read, UTC (the pcap record of `-w` carries the same time).</param>
/// <param name="Host">The host capturing: the agent's name for it, or `--host`.</param>
/// <param name="Length">The frame's length on the wire, in bytes.</param>
/// <param name="Summary">The text line `weft capture` prints for it (inner frame only with `--inner-only`).</param>
internal sealed record CapturedPacket(
    DateTimeOffset Time,
    string Host,
    string Interface,
    int Length,
    PacketLayers Outer,
    VxlanView? Vxlan,
    PacketLayers? Inner,
    string Summary);

/// <summary>The VXLAN header: the VNI and the overlay network that has it, when this agent knows it.</summary>
internal sealed record VxlanView(int Vni, string? Network);

/// <summary>
/// One frame's layers, Ethernet to transport. Names: for the outer frame the hosts of the underlay addresses, for the
/// inner one the sandboxes (by address, else by MAC).
/// </summary>
/// <param name="EtherType">ipv4, ipv6, arp, or the number as 0x….</param>
/// <param name="Protocol">icmp, icmpv6, tcp, udp, or the IP protocol number.</param>
/// <param name="TcpFlags">tcpdump's letters: S F R P U and . for ACK.</param>
/// <param name="Error">Why decoding stopped early, e.g. "truncated at transport".</param>
internal sealed record PacketLayers(
    string? SourceMac,
    string? DestinationMac,
    string? EtherType,
    string? Source,
    string? SourceName,
    string? Destination,
    string? DestinationName,
    int? Ttl,
    string? Protocol,
    int? SourcePort,
    int? DestinationPort,
    string? TcpFlags,
    int? PayloadLength,
    IcmpView? Icmp,
    ArpView? Arp,
    string? Error);

/// <param name="Kind">tcpdump's words: echo request, echo reply, destination unreachable…; "type" when Weft has none.</param>
internal sealed record IcmpView(int Type, int Code, string Kind, int? Id, int? Seq);

/// <param name="Operation">request, reply, or the number.</param>
internal sealed record ArpView(string Operation, string SenderIp, string? SenderName, string SenderMac, string TargetIp, string? TargetName, string TargetMac);

/// <summary>Turns a decoded frame into a <see cref="CapturedPacket"/>, with the names a capture loaded from its agent.</summary>
internal sealed class CapturedPacketBuilder(CaptureNames names, string host, string interfaceName)
{
    public CapturedPacket Build(in VxlanFrame frame, DateTimeOffset time, int length, string summary)
    {
        var outer = Layers(frame.Outer, vni: null);
        if (!frame.IsVxlan && frame.VxlanStatus != ParseStatus.Ok)
        {
            // UDP to the VXLAN port whose VXLAN header did not parse: say so where a script looks for errors.
            outer = outer with { Error = $"not VXLAN ({CaptureFormatter.StatusText(frame.VxlanStatus)})" };
        }

        return new CapturedPacket(time, host, interfaceName, length, outer,
            frame.IsVxlan ? new VxlanView(frame.Vni, names.Network(frame.Vni)) : null,
            frame.IsVxlan ? Layers(frame.Inner, frame.Vni) : null,
            summary);
    }

    private PacketLayers Layers(in FrameLayers l, int? vni)
    {
        var ethernet = l.Depth >= Layer.Ethernet;
        var ip = l.IsIp;
        var transport = l.Depth >= Layer.Transport;
        var ports = transport && l.Protocol is IpProtocols.Tcp or IpProtocols.Udp;
        return new PacketLayers(
            ethernet ? l.Ethernet.Source.ToString() : null,
            ethernet ? l.Ethernet.Destination.ToString() : null,
            ethernet ? EtherTypeName(l.Ethernet.EtherType) : null,
            ip ? l.Source.ToString() : null,
            ip ? Name(l.Source, l.Ethernet.Source, vni) : null,
            ip ? l.Destination.ToString() : null,
            ip ? Name(l.Destination, l.Ethernet.Destination, vni) : null,
            ip ? l.Ttl : null,
            ip ? ProtocolName(l.Protocol) : null,
            ports ? l.SourcePort : null,
            ports ? l.DestinationPort : null,
            transport && l.Protocol == IpProtocols.Tcp ? TcpFlags(l.TcpFlags) : null,
            transport ? l.PayloadLength : null,
            l.IsIcmp ? Icmp(l.Icmp, l.Protocol == IpProtocols.Icmpv6) : null,
            l.IsArp ? Arp(l.Arp, vni) : null,
            l.Status == ParseStatus.Ok ? null : $"{CaptureFormatter.StatusText(l.Status)} at {CaptureFormatter.LayerText(l.FailedAt)}");
    }

    /// <summary>Outer addresses are hosts; inner ones are sandboxes.</summary>
    private string? Name(WireAddress address, MacAddress mac, int? vni) =>
        vni is { } v ? names.Sandbox(v, address, mac) : names.Host(address);

    private ArpView Arp(ArpPacket arp, int? vni)
    {
        var (sender, target) = (WireAddress.V4(arp.SenderIp), WireAddress.V4(arp.TargetIp));
        return new ArpView(
            arp.Operation switch { ArpPacket.Request => "request", ArpPacket.Reply => "reply", var n => n.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            sender.ToString(), vni is { } v ? names.Sandbox(v, sender, arp.SenderMac) : null, arp.SenderMac.ToString(),
            target.ToString(), vni is { } w ? names.Sandbox(w, target, arp.TargetMac) : null, arp.TargetMac.ToString());
    }

    private static IcmpView Icmp(IcmpHeader icmp, bool v6)
    {
        var (echo, kind) = CaptureFormatter.IcmpKind(icmp, v6);
        return new IcmpView(icmp.Type, icmp.Code, kind, echo ? icmp.Identifier : null, echo ? icmp.Sequence : null);
    }

    private static string TcpFlags(byte flags)
    {
        Span<char> buffer = stackalloc char[8];
        var line = new LineBuilder(buffer);
        CaptureFormatter.AppendTcpFlags(ref line, flags);
        return new string(line.Text);
    }

    private static string EtherTypeName(ushort etherType) => etherType switch
    {
        EtherTypes.Ipv4 => "ipv4",
        EtherTypes.Ipv6 => "ipv6",
        EtherTypes.Arp => "arp",
        _ => $"0x{etherType:x4}",
    };

    private static string ProtocolName(byte protocol) => protocol switch
    {
        IpProtocols.Icmp => "icmp",
        IpProtocols.Icmpv6 => "icmpv6",
        IpProtocols.Tcp => "tcp",
        IpProtocols.Udp => "udp",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>One packet as one line of JSON, as `weft capture --format json` prints it.</summary>
internal static class CaptureJson
{
    public static string Line(CapturedPacketBuilder builder, in VxlanFrame frame, DateTimeOffset time, int length, string summary)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return JsonSerializer.Serialize(builder.Build(frame, time, length, summary), CliJsonContext.Lines.CapturedPacket);
    }

    /// <summary>Decodes and prints a whole frame (tests, and frames read back from a pcap).</summary>
    public static string Line(CapturedPacketBuilder builder, ReadOnlySpan<byte> frame, DateTimeOffset time, string summary) =>
        Line(builder, VxlanFrame.Decode(frame), time, frame.Length, summary);
}
