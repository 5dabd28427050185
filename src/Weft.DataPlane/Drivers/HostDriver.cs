using System.Net;
using Weft.Core.Model;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Namespaces;

namespace Weft.DataPlane.Drivers;

/// <summary>
/// Docker's <c>host</c> network: sandboxes share the host's own namespace (in the lab, the lab host's, not the
/// machine's). Weft never creates nor deletes that namespace; it only pins it under a name of its own,
/// <c>{netns dir}/weft-{host}</c>, while a sandbox of this host uses it. The pin is the one thing this driver builds.
/// </summary>
/// <remarks>
/// A sandbox's namespace must stay a path that `weft exec` and `ip netns exec` can enter for as long as the sandbox
/// lives, and the sandbox outlives the agent by design. So:
/// <list type="bullet">
/// <item><c>/proc/{agent pid}/ns/net</c> would vanish with an agent restart, and name another process after pid reuse;</item>
/// <item><c>/proc/{sandbox pid}/ns/net</c> exists only while the process runs: a sandbox made without a process (run in
/// the foreground) or whose process ended could no longer be entered;</item>
/// <item>the lab host's own name (/run/netns/LAB-hostN) is the lab's business, and a real host's root namespace has no
/// name at all; recording either would also put a name that is not Weft's in reach of the removal paths.</item>
/// </list>
/// A bind mount of the host's namespace, like Docker's /var/run/docker/netns/default, has none of these faults: it
/// survives agent restarts like every other namespace mount, and it is Weft's own name, so removing it can only ever
/// unmount the pin, never touch the namespace behind it. The host's namespace is the calling thread's, as for every
/// other driver's "host namespace" (the agent's own; in tests, a simulated host's).
/// </remarks>
public sealed class HostDriver(HostContext host) : INetworkDriver
{
    private const string CallingThreadNamespace = "/proc/thread-self/ns/net";

    public NetworkDriver Kind => NetworkDriver.Host;

    public bool LingersWhenIdle => false;

    public string PinName => KernelNames.HostNamespaceName(host.HostName);

    public string PinPath => Path.Combine(host.NetnsDirectory ?? NetworkNamespace.DefaultRunDirectory, PinName);

    /// <summary>A host network is the host's own interfaces: the underlay's MTU is the one that tells what fits.</summary>
    public int Mtu(NetworkRecord network) => host.Underlay.Mtu;

    public IPAddress? DnsAddress(NetworkRecord network) => null;

    public IReadOnlyList<IPAddress> DnsListenAddresses(NetworkRecord network) => [];

    /// <summary>Its sandboxes are the host's own processes: nothing to forward or masquerade.</summary>
    public string? EgressInterface(NetworkRecord network) => null;

    public string? SharedNamespacePath(NetworkRecord network) => PinPath;

    public NetworkNamespace? OpenGatewayNamespace(NetworkRecord network) => null;

    public ApplyResult Apply(NetworkPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Local.Count > 0 && EnsurePin() ? new ApplyResult(1, 0) : default;
    }

    public void Join(NetworkPlan plan, LocalEndpoint endpoint) => EnsurePin();

    /// <summary>Nothing to take away: the sandbox stays in the host's namespace for as long as it lives (Docker refuses this too).</summary>
    /// <summary>The sandbox is the host's own namespace: its interfaces are the host's, not Weft's.</summary>
    public ApplyResult EnsureSandboxSide(NetworkPlan plan, LocalEndpoint endpoint) => default;

    public bool Leave(NetworkRecord network, string endpointId) => false;

    public IReadOnlyList<string> ListBuilt() => NetworkNamespace.Exists(PinName, host.NetnsDirectory) ? [PinName] : [];

    public string BuiltName(NetworkRecord network) => PinName;

    /// <summary>Unpins the name once no sandbox of this host uses it; the namespace itself stays, as it must.</summary>
    public void Remove(string builtName)
    {
        if (builtName == PinName && NetworkNamespace.Exists(PinName, host.NetnsDirectory))
        {
            NetworkNamespace.Delete(PinName, host.NetnsDirectory);
        }
    }

    /// <summary>
    /// Makes sure the pin exists and holds the host's namespace, replacing one that holds another (left by an agent of
    /// the same name that ran elsewhere, or half made). True when it had to be made.
    /// </summary>
    private bool EnsurePin()
    {
        if (NetworkNamespace.Exists(PinName, host.NetnsDirectory))
        {
            if (PinsHostNamespace())
            {
                return false;
            }
            NetworkNamespace.Delete(PinName, host.NetnsDirectory);
        }
        NetworkNamespace.Attach(PinName, CallingThreadNamespace, host.NetnsDirectory).Dispose();
        return true;
    }

    private bool PinsHostNamespace()
    {
        try
        {
            using var own = NetworkNamespace.OpenPath(CallingThreadNamespace, "host");
            using var pinned = NetworkNamespace.Open(PinName, host.NetnsDirectory);
            return pinned.Identity == own.Identity;
        }
        catch (KernelException)
        {
            return false; // not a namespace at all: a plain file left by a failed attach
        }
    }
}
