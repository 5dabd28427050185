using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.DataPlane.Drivers;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;

namespace Weft.DataPlane.Tests;

/// <summary>
/// A throw-away lab for one test: an underlay namespace holding a bridge, and N "host" namespaces whose
/// eth0 sits on it (198.18.0.N/24), each with its own <see cref="OverlayDriver"/>. Every namespace
/// name, including the ones the driver makes (weft-HOST_NET), contains <see cref="Id"/>, so
/// <see cref="Dispose"/> can remove everything the test made, also when it failed halfway.
/// </summary>
public sealed class Lab : IDisposable
{
    /// <summary>"wtt" plus four random hex digits, fixed for the whole test run.</summary>
    public static readonly string RunId = "wtt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();

    public const string UnderlayBridge = "ul0";

    private static int _labs;
    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<LabHost> _hosts = [];
    private int _sandboxes;

    static Lab()
    {
        // A last sweep for anything of this run a crashed test left behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteNamespacesContaining(RunId);
    }

    private Lab(string id) => Id = id;

    /// <summary>Unique to this lab and not a prefix of any other lab's id: "wtt3fa9-l7-".</summary>
    public string Id { get; }

    public NetworkNamespace Underlay { get; private set; } = null!;

    public IReadOnlyList<LabHost> Hosts => _hosts;

    public static Lab Create(int hosts, int underlayMtu = 1500)
    {
        var lab = new Lab($"{RunId}-l{Interlocked.Increment(ref _labs)}-");
        try
        {
            lab.Build(hosts, underlayMtu);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>A fresh, empty sandbox namespace under /run/netns (its Path goes into LocalEndpoint).</summary>
    public NetworkNamespace CreateSandbox() => Track(NetworkNamespace.Create($"{Id}sb{Interlocked.Increment(ref _sandboxes)}"));

    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            ns.Dispose();
        }

        DeleteNamespacesContaining(Id);
        var left = NetworkNamespace.List().Where(n => n.Contains(Id, StringComparison.Ordinal)).ToList();
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"lab {Id} left namespaces behind: {string.Join(", ", left)}");
        }
    }

    /// <summary>Runs a command inside a namespace; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Exec(NetworkNamespace ns, string file, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = ns.StartProcess(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
        {
            process.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', args)} in {ns.Name} did not finish");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>One ICMP echo with a 2 s deadline, from inside <paramref name="from"/>.</summary>
    public static (int ExitCode, string Output) Ping(NetworkNamespace from, IPAddress to, params string[] extra) =>
        Exec(from, "ping", ["-c1", "-W2", .. extra, to.ToString()]);

    public static void AssertPings(NetworkNamespace from, IPAddress to, params string[] extra)
    {
        var (code, output) = Ping(from, to, extra);
        Assert.True(code == 0, $"ping {to} from {from.Name} failed with {code}: {output}");
    }

    public static void AssertDoesNotPing(NetworkNamespace from, IPAddress to)
    {
        var (code, output) = Ping(from, to);
        Assert.True(code != 0, $"ping {to} from {from.Name} should have failed: {output}");
    }

    private static void DeleteNamespacesContaining(string id)
    {
        foreach (var name in NetworkNamespace.List().Where(n => n.Contains(id, StringComparison.Ordinal)))
        {
            try
            {
                NetworkNamespace.Delete(name);
            }
            catch (KernelException)
            {
                // Raced with another delete; the check in Dispose reports what really stays.
            }
        }
    }

    private NetworkNamespace Track(NetworkNamespace ns)
    {
        _namespaces.Add(ns);
        return ns;
    }

    private void Build(int hosts, int mtu)
    {
        Underlay = Track(NetworkNamespace.Create(Id + "ul"));
        using var ul = Underlay.OpenNetlink();
        ul.AddLink(new Bridge { Name = UnderlayBridge, Mtu = mtu });
        ul.SetLinkUp(UnderlayBridge);
        for (var n = 1; n <= hosts; n++)
        {
            var name = $"{Id}h{n}";
            var ns = Track(NetworkNamespace.Create(name));
            var port = $"uh{n}";
            ul.AddLink(new Veth { Name = port, Mtu = mtu, PeerName = "eth0", PeerNamespace = ns });
            ul.SetLinkMaster(port, UnderlayBridge);
            ul.SetLinkUp(port);
            var address = IPAddress.Parse($"198.18.0.{n}");
            using (var hl = ns.OpenNetlink())
            {
                hl.SetLinkUp("lo");
                hl.AddAddress("eth0", address, 24);
                hl.SetLinkUp("eth0");
            }

            _hosts.Add(new LabHost(name, ns, address, mtu));
        }
    }
}

/// <summary>One simulated host: its namespace (where the driver runs, as the agent would) and its driver.</summary>
public sealed class LabHost(string name, NetworkNamespace ns, IPAddress address, int underlayMtu)
{
    public string Name { get; } = name;

    public NetworkNamespace Namespace { get; } = ns;

    public IPAddress Address { get; } = address;

    public HostContext Context { get; } = new(new HostIdentity("id-" + name, name, new Underlay(address, "eth0", underlayMtu, [])));

    public OverlayDriver Driver => new(Context);

    /// <summary>Calls the driver from a thread inside this host's namespace: there it creates its VXLAN devices.</summary>
    public T Run<T>(Func<OverlayDriver, T> call) => Namespace.Run(() => call(Driver));

    public void Run(Action<OverlayDriver> call) => Namespace.Run(() => call(Driver));

    public ApplyResult Apply(NetworkPlan plan) => Run(d => d.Apply(plan));

    /// <summary>What the driver has built in this host (its <see cref="INetworkDriver.ListBuilt"/>), listed from inside it.</summary>
    public IReadOnlyList<string> Built() => Run(d => d.ListBuilt());

    /// <summary>A netlink handle in this host's namespace for a network (weft-HOST_NET).</summary>
    public NetlinkHandle OpenNetworkNamespace(NetworkRecord network)
    {
        using var ns = NetworkNamespace.Open(Driver.NamespaceName(network));
        return ns.OpenNetlink();
    }

    public NetlinkHandle OpenHostNamespace() => Namespace.OpenNetlink();
}

/// <summary>Records shaped like the ones the control plane hands the driver.</summary>
public static class Records
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static NetworkRecord Overlay(string name, int vni, string subnet, string gateway) => new()
    {
        Id = "net-" + name,
        Name = name,
        Driver = NetworkDriver.Overlay,
        Scope = NetworkScope.Global,
        Subnets = [new SubnetConfig { Subnet = IpNetwork.Parse(subnet), Gateway = IPAddress.Parse(gateway) }],
        Vni = vni,
        CreatedAt = Now,
    };

    public static EndpointRecord Endpoint(NetworkRecord network, string id, string address, string hostId, string interfaceName = "eth0") => new()
    {
        Id = id,
        NetworkId = network.Id,
        NetworkName = network.Name,
        SandboxId = "sb-" + id,
        HostId = hostId,
        Address = IPAddress.Parse(address),
        Mac = MacAddress.ForEndpoint(id),
        InterfaceName = interfaceName,
        CreatedAt = Now,
    };

    public static RemoteEndpoint Remote(EndpointRecord endpoint, LabHost host) =>
        new(endpoint.Address!, endpoint.Mac, host.Address);

    public static System.Net.NetworkInformation.PhysicalAddress Physical(MacAddress mac) => new(mac.ToBytes());

    public static AddressFamily V4 => AddressFamily.InterNetwork;
}
