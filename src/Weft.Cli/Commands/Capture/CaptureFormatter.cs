using Weft.Wire;
using Weft.Core.Addressing;

namespace Weft.Cli.Commands.Capture;

/// <summary>
/// One line per underlay frame, with the cluster's names next to the numbers:
/// <c>host3 → host2  vxlan vni 256 (test-net) | shell2 10.0.10.6 → shell 10.0.10.5  ICMP echo request id 3072 seq 0</c>.
/// It writes into a caller's buffer, so a packet costs no allocation (IPv6 addresses aside).
/// </summary>
internal sealed class CaptureFormatter(CaptureNames names)
{
    /// <summary>Longer lines are cut: the longest real one (two IPv6 endpoints with long names) fits well within.</summary>
    public const int MaxLineLength = 512;

    private const string Arrow = " → ";

    /// <summary>Formats a decoded frame into <paramref name="destination"/> and returns the line's length.</summary>
    public int Format(in VxlanFrame frame, bool innerOnly, Span<char> destination)
    {
        var line = new LineBuilder(destination);
        var outer = frame.Outer;
        if (!frame.IsVxlan)
        {
            WriteIp(ref line, outer, vni: null);
            if (outer.Depth >= Layer.Transport && outer.Protocol == IpProtocols.Udp)
            {
                line.Append("  UDP ");
                line.Append(outer.SourcePort);
                line.Append(Arrow);
                line.Append(outer.DestinationPort);
                line.Append(" not VXLAN (");
                line.Append(StatusText(frame.VxlanStatus));
                line.Append(")");
            }
            else
            {
                AppendFailure(ref line, outer);
            }

            return line.Length;
        }

        if (!innerOnly)
        {
            AppendHost(ref line, outer.Source);
            line.Append(Arrow);
            AppendHost(ref line, outer.Destination);
            line.Append("  vxlan vni ");
            line.Append(frame.Vni);
            if (names.Network(frame.Vni) is { } network)
            {
                line.Append(" (");
                line.Append(network);
                line.Append(")");
            }

            line.Append(" | ");
        }

        var inner = frame.Inner;
        if (inner.IsArp)
        {
            WriteArp(ref line, inner.Arp, frame.Vni);
        }
        else if (inner.IsIp)
        {
            WriteIp(ref line, inner, frame.Vni);
        }
        else if (inner.Depth >= Layer.Ethernet)
        {
            AppendMac(ref line, inner.Ethernet.Source, frame.Vni);
            line.Append(Arrow);
            AppendMac(ref line, inner.Ethernet.Destination, frame.Vni);
            line.Append("  ethertype 0x");
            line.AppendHex(inner.Ethernet.EtherType, 4);
        }
        else
        {
            line.Append("inner frame");
            AppendFailure(ref line, inner);
        }

        return line.Length;
    }

    /// <summary>The same line as a string, for tests and one-off use.</summary>
    public string Format(ReadOnlySpan<byte> frame, bool innerOnly = false)
    {
        Span<char> buffer = stackalloc char[MaxLineLength];
        var decoded = VxlanFrame.Decode(frame);
        return new string(buffer[..Format(decoded, innerOnly, buffer)]);
    }

    private void AppendHost(ref LineBuilder line, WireAddress underlay)
    {
        if (names.Host(underlay) is { } host)
        {
            line.Append(host);
        }
        else
        {
            line.Append(underlay);
        }
    }

    private void AppendEndpoint(ref LineBuilder line, WireAddress address, MacAddress mac, int? vni)
    {
        if (vni is { } v && names.Sandbox(v, address, mac) is { } sandbox)
        {
            line.Append(sandbox);
            line.Append(" ");
        }

        line.Append(address);
    }

    private void AppendMac(ref LineBuilder line, MacAddress mac, int vni)
    {
        if (names.Sandbox(vni, mac) is { } sandbox)
        {
            line.Append(sandbox);
            line.Append(" ");
        }

        line.Append(mac);
    }

    private void WriteIp(ref LineBuilder line, in FrameLayers l, int? vni)
    {
        if (l.Depth < Layer.Network)
        {
            line.Append("frame");
            AppendFailure(ref line, l);
            return;
        }

        AppendEndpoint(ref line, l.Source, l.Ethernet.Source, vni);
        line.Append(Arrow);
        AppendEndpoint(ref line, l.Destination, l.Ethernet.Destination, vni);
        line.Append("  ");
        if (l.Depth < Layer.Transport)
        {
            line.Append("IP proto ");
            line.Append(l.Protocol);
            AppendFailure(ref line, l);
            return;
        }

        switch (l.Protocol)
        {
            case IpProtocols.Icmp or IpProtocols.Icmpv6:
                WriteIcmp(ref line, l.Icmp, l.Protocol == IpProtocols.Icmpv6);
                break;
            case IpProtocols.Udp:
                line.Append("UDP ");
                line.Append(l.SourcePort);
                line.Append(Arrow);
                line.Append(l.DestinationPort);
                line.Append(" len ");
                line.Append(l.PayloadLength);
                break;
            case IpProtocols.Tcp:
                line.Append("TCP ");
                line.Append(l.SourcePort);
                line.Append(Arrow);
                line.Append(l.DestinationPort);
                line.Append(" [");
                AppendTcpFlags(ref line, l.TcpFlags);
                line.Append("] len ");
                line.Append(l.PayloadLength);
                break;
            default:
                line.Append("IP proto ");
                line.Append(l.Protocol);
                break;
        }
    }

    /// <summary>What an ICMP message is, in tcpdump's words ("type" when Weft has no name for it), and whether it is an echo.</summary>
    internal static (bool Echo, string Text) IcmpKind(IcmpHeader icmp, bool v6) =>
        (v6, icmp.Type) switch
        {
            (false, IcmpHeader.EchoRequest) or (true, IcmpHeader.V6EchoRequest) => (true, "echo request"),
            (false, IcmpHeader.EchoReply) or (true, IcmpHeader.V6EchoReply) => (true, "echo reply"),
            (false, IcmpHeader.DestinationUnreachable) => (false, "destination unreachable"),
            (false, IcmpHeader.TimeExceeded) => (false, "time exceeded"),
            (true, IcmpHeader.V6NeighborSolicitation) => (false, "neighbor solicitation"),
            (true, IcmpHeader.V6NeighborAdvertisement) => (false, "neighbor advertisement"),
            _ => (false, "type"),
        };

    private static void WriteIcmp(ref LineBuilder line, IcmpHeader icmp, bool v6)
    {
        line.Append(v6 ? "ICMPv6 " : "ICMP ");
        var (echo, text) = IcmpKind(icmp, v6);
        line.Append(text);
        if (echo)
        {
            line.Append(" id ");
            line.Append(icmp.Identifier);
            line.Append(" seq ");
            line.Append(icmp.Sequence);
        }
        else if (text == "type")
        {
            line.Append(" ");
            line.Append(icmp.Type);
            line.Append(" code ");
            line.Append(icmp.Code);
        }
        else if (icmp.Code != 0)
        {
            line.Append(" code ");
            line.Append(icmp.Code);
        }
    }

    private void WriteArp(ref LineBuilder line, ArpPacket arp, int vni)
    {
        line.Append("ARP ");
        if (arp.Operation == ArpPacket.Request)
        {
            line.Append("who-has ");
            AppendEndpoint(ref line, WireAddress.V4(arp.TargetIp), arp.TargetMac, vni);
            line.Append(" tell ");
            AppendEndpoint(ref line, WireAddress.V4(arp.SenderIp), arp.SenderMac, vni);
        }
        else if (arp.Operation == ArpPacket.Reply)
        {
            line.Append("reply ");
            AppendEndpoint(ref line, WireAddress.V4(arp.SenderIp), arp.SenderMac, vni);
            line.Append(" is-at ");
            line.Append(arp.SenderMac);
        }
        else
        {
            line.Append("operation ");
            line.Append(arp.Operation);
        }
    }

    /// <summary>tcpdump's letters: S(YN) F(IN) R(ST) P(USH) .(ACK) U(RG).</summary>
    internal static void AppendTcpFlags(ref LineBuilder line, byte flags)
    {
        const byte fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20;
        if ((flags & syn) != 0)
        {
            line.Append("S");
        }

        if ((flags & fin) != 0)
        {
            line.Append("F");
        }

        if ((flags & rst) != 0)
        {
            line.Append("R");
        }

        if ((flags & psh) != 0)
        {
            line.Append("P");
        }

        if ((flags & urg) != 0)
        {
            line.Append("U");
        }

        if ((flags & ack) != 0)
        {
            line.Append(".");
        }
    }

    private static void AppendFailure(ref LineBuilder line, in FrameLayers l)
    {
        if (l.Status == ParseStatus.Ok)
        {
            return;
        }

        line.Append(" [");
        line.Append(StatusText(l.Status));
        line.Append(" at ");
        line.Append(LayerText(l.FailedAt));
        line.Append("]");
    }

    internal static string LayerText(Layer layer) => layer switch
    {
        Layer.Ethernet => "ethernet",
        Layer.Network => "network",
        Layer.Transport => "transport",
        _ => "vxlan",
    };

    internal static string StatusText(ParseStatus status) => status switch
    {
        ParseStatus.Truncated => "truncated",
        ParseStatus.BadVersion => "bad version",
        ParseStatus.BadLength => "bad length",
        ParseStatus.BadChecksum => "bad checksum",
        ParseStatus.Unsupported => "unsupported",
        _ => "malformed",
    };
}
