using System.CommandLine;
using System.Net;
using Weft.Linux;
using Weft.Linux.Packets;
using Weft.Wire.Pcap;

namespace Weft.Cli.Commands.Capture;

/// <summary>
/// `weft capture`: reads this host's underlay with a packet socket whose kernel filter passes only VXLAN (IPv4 UDP
/// to 4789), and prints each frame with host, network and sandbox names from the agent. Like tcpdump, it ends on
/// --count or Ctrl-C and then reports the kernel's counts on stderr. Under `--format json` each packet is one line of
/// JSON (JSON Lines, as tshark's -T ek), with the same facts as the text line, as fields.
/// </summary>
internal sealed class CaptureCommand : WeftCommand
{
    private readonly Option<string?> _network = new("--network", "--net")
    {
        Description = "Only this overlay network's traffic (by its VNI)",
        HelpName = "NAME",
    };

    private readonly Option<string?> _host = new("--host")
    {
        Description = "The name shown for this host (a label only; the capture is always on this host)",
        HelpName = "HOST",
    };

    private readonly Option<long> _count = new("--count", "-c")
    {
        Description = "Stop after this many packets [default: until Ctrl-C]",
        HelpName = "N",
    };

    private readonly Option<string?> _write = new("-w", "--write")
    {
        Description = "Also write the raw underlay frames to this pcap file (tcpdump, tshark and Wireshark read it)",
        HelpName = "FILE",
    };

    private readonly Option<bool> _innerOnly = new("--inner-only")
    {
        Description = "Show only the inner frame: who talks to whom inside the overlay",
    };

    private readonly Option<string?> _interface = new("--interface", "-i")
    {
        Description = "The underlay interface [default: the one holding the agent's underlay address]",
        HelpName = "NAME",
    };

    public CaptureCommand(CliContext context)
        : base(context, "capture", "Show the overlay's VXLAN packets on this host's underlay, with names (needs root)", JsonOutput.Prints("JSON Lines: one object per packet (time, interface, outer, vxlan, inner, summary)"))
    {
        Add(_network);
        Add(_host);
        Add(_count);
        Add(_write);
        Add(_innerOnly);
        Add(_interface);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var count = parseResult.GetValue(_count);
        if (count < 0)
        {
            throw new UsageException($"--count must be 0 or more, not {count}");
        }

        using var agent = Context.ConnectToAgent(parseResult);
        var status = await agent.StatusAsync(cancellationToken);
        var names = await CaptureNames.LoadAsync(agent, cancellationToken);
        if (parseResult.GetValue(_host) is { Length: > 0 } label)
        {
            names.AddHost(status.UnderlayAddress, label);
        }

        int? vni = null;
        if (parseResult.GetValue(_network) is { } network)
        {
            // Ask the agent by name, so an unknown network gets the agent's own not-found message.
            var detail = await agent.InspectNetworkAsync(network, cancellationToken);
            vni = detail.Vni ?? throw new UsageException($"network '{detail.Name}' is a {detail.Driver} network; only overlays carry VXLAN");
            names.AddNetwork(detail);
        }

        var interfaceName = parseResult.GetValue(_interface) ?? UnderlayInterface(status.UnderlayAddress);
        var options = new CaptureOptions { Vni = vni, Count = count, InnerOnly = parseResult.GetValue(_innerOnly) };
        using var socket = PacketSocket.Open(interfaceName, CaptureSession.Filter(options.SnapLength));
        using var pcap = parseResult.GetValue(_write) is { } path ? new PcapWriter(File.Create(path), options.SnapLength) : null;
        var session = new CaptureSession(socket, new CaptureFormatter(names), options)
        {
            Json = Context.FormatOf(parseResult) == OutputFormat.Json
                ? new CapturedPacketBuilder(names, parseResult.GetValue(_host) is { Length: > 0 } host ? host : status.Host, interfaceName)
                : null,
        };
        Context.Console.Error.WriteLine($"capturing VXLAN (udp dst port {CaptureSession.VxlanPort}) on {interfaceName}" + (vni is { } v ? $", vni {v} only" : ""));

        // The loop blocks in poll(); a thread of its own keeps it off the thread pool's few threads.
        var result = await Task.Factory.StartNew(
            () => session.Run(Context.Out, pcap, cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Context.Console.Error.WriteLine(result.Summary);
        return ExitCodes.Success;
    }

    /// <summary>The interface that holds the agent's underlay address, in this process's network namespace.</summary>
    internal static string UnderlayInterface(string underlayAddress)
    {
        if (!IPAddress.TryParse(underlayAddress, out var address))
        {
            throw new UsageException($"the agent reports underlay address '{underlayAddress}', which is not an IP address; pass --interface");
        }

        using var netlink = NetlinkHandle.Open();
        var holder = netlink.ListAddresses().FirstOrDefault(a => a.Address.Equals(address))
            ?? throw new UsageException($"no interface here holds the agent's underlay address {address}; run on the agent's host (in the lab: `weft lab exec HOST -- weft capture`) or pass --interface");
        return netlink.GetLink(holder.LinkIndex).Name;
    }
}
