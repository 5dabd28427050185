using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

namespace Weft.Linux.Demo;

/// <summary>One simulated host of the seed overlay and the three namespaces that make it up.</summary>
public sealed class SeedHost
{
    internal SeedHost(int number, NetworkNamespace host, NetworkNamespace overlay, NetworkNamespace container)
    {
        Number = number;
        Host = host;
        Overlay = overlay;
        Container = container;
        UnderlayAddress = IPAddress.Parse($"198.18.0.{number}");
        ContainerAddress = IPAddress.Parse($"10.0.10.{number + 1}");
        // Docker's convention: 02:42 followed by the IPv4 address, so the MAC is unique wherever the IP is.
        var ip = ContainerAddress.GetAddressBytes();
        ContainerMac = new PhysicalAddress([0x02, 0x42, ip[0], ip[1], ip[2], ip[3]]);
    }

    public int Number { get; }

    /// <summary>The host's own namespace: the underlay NIC (eth0) and the VXLAN device's UDP socket.</summary>
    public NetworkNamespace Host { get; }

    /// <summary>The overlay network's namespace on this host: br0, the VXLAN device, veth host ends.</summary>
    public NetworkNamespace Overlay { get; }

    /// <summary>The container's sandbox: eth0 with the endpoint address.</summary>
    public NetworkNamespace Container { get; }

    public IPAddress UnderlayAddress { get; }

    public IPAddress ContainerAddress { get; }

    public PhysicalAddress ContainerMac { get; }

    /// <summary>Name of the veth end in the overlay namespace.</summary>
    public string VethName => $"veth-c{Number}";
}

/// <summary>
/// Builds the seed experiment's two-host VXLAN overlay in namespaces through Weft's kernel layer alone,
/// and tears it down again. The demo narrates it; the kernel tests build it and read every object back.
/// </summary>
public sealed class SeedOverlay : IDisposable
{
    public const int Vni = 256;
    public const int Mtu = 1450;
    public const string Bridge = "br0";
    public const string VxlanName = "vxlan0";
    public const string UnderlayBridge = "br-ul";
    public const int PrefixLength = 24;
    public static readonly IPAddress Gateway = IPAddress.Parse("10.0.10.1");

    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<SeedHost> _hosts = [];
    private readonly Action<string> _say;
    private readonly CancellationToken _cancel;

    private SeedOverlay(string prefix, Action<string> say, CancellationToken cancel)
    {
        Prefix = prefix;
        _say = say;
        _cancel = cancel;
    }

    /// <summary>Every namespace name starts with this (such as "weftdemo-" or a test run's "wtt3fa9-").</summary>
    public string Prefix { get; }

    public NetworkNamespace Underlay { get; private set; } = null!;

    public IReadOnlyList<SeedHost> Hosts => _hosts;

    /// <summary>Every namespace created, in creation order.</summary>
    public IEnumerable<string> NamespaceNames => _namespaces.Select(n => n.Name);

    /// <summary>
    /// Builds the overlay. Every namespace is recorded the moment it exists, so a failure at any step
    /// removes what was built so far before the exception leaves.
    /// </summary>
    public static SeedOverlay Build(string prefix, Action<string>? narrate = null, CancellationToken cancel = default)
    {
        var overlay = new SeedOverlay(prefix, narrate ?? (_ => { }), cancel);
        try
        {
            overlay.BuildAll();
            return overlay;
        }
        catch
        {
            overlay.Dispose();
            throw;
        }
    }

    /// <summary>Runs <c>ping -c1 -W2</c> from one container to another's address; returns exit code and output.</summary>
    public static (int ExitCode, string Output) Ping(SeedHost from, SeedHost to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var start = new ProcessStartInfo("ping", ["-c1", "-W2", to.ContainerAddress.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = from.Container.StartProcess(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Deletes every namespace this overlay created; their links go with them.</summary>
    public void Dispose()
    {
        for (var i = _namespaces.Count - 1; i >= 0; i--)
        {
            var ns = _namespaces[i];
            ns.Dispose();
            try
            {
                NetworkNamespace.Delete(ns.Name);
            }
            catch (KernelException e)
            {
                _say($"  could not delete {ns.Name}: {e.Message}");
            }
        }

        _namespaces.Clear();
    }

    private NetworkNamespace CreateNamespace(string suffix)
    {
        _cancel.ThrowIfCancellationRequested();
        var ns = NetworkNamespace.Create(Prefix + suffix);
        _namespaces.Add(ns);
        return ns;
    }

    private void Step(string text)
    {
        _cancel.ThrowIfCancellationRequested();
        _say(text);
    }

    private void BuildAll()
    {
        Step($"underlay: namespace {Prefix}ul with bridge {UnderlayBridge} (198.18.0.0/24 lives here)");
        Underlay = CreateNamespace("ul");
        using (var ul = Underlay.OpenNetlink())
        {
            ul.AddLink(new Links.Bridge { Name = UnderlayBridge, Up = true });
        }

        for (var n = 1; n <= 2; n++)
        {
            BuildHost(n);
        }

        foreach (var host in _hosts)
        {
            InstallRemotes(host);
        }
    }

    private void BuildHost(int n)
    {
        Step($"host {n}: namespaces {Prefix}h{n} (host), {Prefix}h{n}-ov (overlay), {Prefix}h{n}-c (container)");
        var host = new SeedHost(n, CreateNamespace($"h{n}"), CreateNamespace($"h{n}-ov"), CreateNamespace($"h{n}-c"));
        _hosts.Add(host);

        Step($"host {n}: underlay NIC eth0 = {host.UnderlayAddress}/24, cabled to {UnderlayBridge}");
        using (var ul = Underlay.OpenNetlink())
        {
            ul.AddLink(new Veth { Name = $"ul-h{n}", PeerName = "eth0", PeerNamespace = host.Host });
            ul.SetLinkMaster($"ul-h{n}", UnderlayBridge);
            ul.SetLinkUp($"ul-h{n}");
        }

        using var hostLinks = host.Host.OpenNetlink();
        using var overlayLinks = host.Overlay.OpenNetlink();
        using var containerLinks = host.Container.OpenNetlink();
        hostLinks.SetLinkUp("lo");
        hostLinks.SetLinkUp("eth0");
        hostLinks.AddAddress("eth0", host.UnderlayAddress, 24);
        // Each veth end that came up before its peer carries traffic only once the kernel's link watch has attached its
        // transmit queue; until then it drops what it is given (see NetlinkHandle.WaitUntilRunning).
        using (var ul = Underlay.OpenNetlink())
        {
            ul.WaitUntilRunning($"ul-h{n}", TimeSpan.FromSeconds(2));
        }

        Step($"host {n}: overlay bridge {Bridge} with gateway {Gateway}/{PrefixLength}");
        overlayLinks.SetLinkUp("lo");
        overlayLinks.AddLink(new Links.Bridge { Name = Bridge, Mtu = Mtu, Up = true });
        overlayLinks.AddAddress(Bridge, Gateway, PrefixLength);

        Step($"host {n}: {VxlanName} (VNI {Vni}, UDP {Vxlan.DefaultPort}, local {host.UnderlayAddress}, dev eth0, learning off, proxy on) created in the host namespace, moved into the overlay, enslaved to {Bridge}");
        var eth0 = hostLinks.GetLink("eth0").Index;
        hostLinks.AddLink(new Vxlan
        {
            Name = VxlanName,
            Vni = Vni,
            Local = host.UnderlayAddress,
            UnderlayIndex = eth0,
            Port = Vxlan.DefaultPort,
            Learning = false,
            Proxy = true,
            Mtu = Mtu,
        });
        hostLinks.MoveLinkToNamespace(VxlanName, host.Overlay);
        overlayLinks.SetLinkMaster(VxlanName, Bridge);
        overlayLinks.SetLinkUp(VxlanName);

        Step($"host {n}: veth {host.VethName} on {Bridge}, its peer created in the container namespace, renamed eth0, {host.ContainerAddress}/{PrefixLength}, MTU {Mtu}, MAC {host.ContainerMac.ToText()}");
        overlayLinks.AddLink(new Veth
        {
            Name = host.VethName,
            PeerName = $"tmp-c{n}",
            PeerNamespace = host.Container,
            PeerMacAddress = host.ContainerMac,
            Mtu = Mtu,
        });
        overlayLinks.SetLinkMaster(host.VethName, Bridge);
        overlayLinks.SetLinkUp(host.VethName);

        containerLinks.RenameLink($"tmp-c{n}", "eth0");
        containerLinks.SetLinkMtu("eth0", Mtu);
        containerLinks.AddAddress("eth0", host.ContainerAddress, PrefixLength);
        containerLinks.SetLinkUp("lo");
        containerLinks.SetLinkUp("eth0");
        containerLinks.AddRoute(Route.DefaultVia(Gateway, containerLinks.GetLink("eth0").Index));
        overlayLinks.WaitUntilRunning(host.VethName, TimeSpan.FromSeconds(2));
    }

    /// <summary>
    /// For every other host's container: a permanent FDB entry (its MAC lives behind its host's VTEP) and
    /// a permanent neighbour entry on the VXLAN device, which proxy ARP answers from. Both are replaces,
    /// so running this again converges instead of failing.
    /// </summary>
    private void InstallRemotes(SeedHost host)
    {
        using var overlayLinks = host.Overlay.OpenNetlink();
        var vxlan = overlayLinks.GetLink(VxlanName).Index;
        foreach (var remote in _hosts.Where(h => h != host))
        {
            Step($"host {host.Number}: fdb {remote.ContainerMac.ToText()} dst {remote.UnderlayAddress} on {VxlanName}; neigh {remote.ContainerAddress} lladdr {remote.ContainerMac.ToText()} on {VxlanName}");
            overlayLinks.ReplaceFdb(new FdbEntry(vxlan, remote.ContainerMac) { Destination = remote.UnderlayAddress });
            overlayLinks.ReplaceNeighbor(new Neighbor(vxlan, remote.ContainerAddress) { MacAddress = remote.ContainerMac });
        }
    }
}
