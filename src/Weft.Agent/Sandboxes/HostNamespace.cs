using Weft.Cluster;
using Weft.Core.Naming;
using Weft.Linux;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// The namespace that sandboxes on a <c>host</c>-driver network share: the agent's own, which is the host's (in
/// the lab, the lab host's namespace, not the machine's). Weft never creates nor deletes it; it only pins it
/// under a name of its own, <c>{netns dir}/weft-{host}</c>, while a sandbox of this host uses it.
/// </summary>
/// <remarks>
/// A sandbox's <see cref="SandboxRecord.NetworkNamespace"/> must stay a path that `weft exec` and `ip netns exec`
/// can enter for as long as the sandbox lives, and the sandbox outlives the agent by design. So:
/// <list type="bullet">
/// <item><c>/proc/{agent pid}/ns/net</c> would vanish with an agent restart, and name another process after pid reuse;</item>
/// <item><c>/proc/{sandbox pid}/ns/net</c> exists only while the process runs: a sandbox made without a process (run
/// in the foreground) or whose process ended could no longer be entered;</item>
/// <item>the lab host's own name (/run/netns/LAB-hostN) is the lab's business, and a real host's root namespace has
/// no name at all; recording either would also put a name that is not Weft's in reach of the removal paths.</item>
/// </list>
/// A bind mount of the agent's /proc/self/ns/net, like Docker's /var/run/docker/netns/default, has none of these
/// faults: it survives agent restarts like every other namespace mount, and it is Weft's own name, so removing it
/// (<see cref="Release"/>) can only ever unmount the pin, never touch the namespace behind it.
/// </remarks>
public sealed class HostNamespace(string hostName, string? runDirectory)
{
    /// <summary>The agent's own namespace: /proc/self is the thread-group leader, which never leaves it.</summary>
    private const string OwnNamespace = "/proc/self/ns/net";

    public string Name { get; } = KernelNames.HostNamespaceName(hostName);

    public string Path => System.IO.Path.Combine(runDirectory ?? NetworkNamespace.DefaultRunDirectory, Name);

    /// <summary>
    /// Whether the sandbox lives in its host's namespace (it was made on a host network), told by its namespace's
    /// name alone, so that it holds for records of any host and after any restart.
    /// </summary>
    public static bool Holds(SandboxRecord sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        return KernelNames.TryParseHostNamespaceName(System.IO.Path.GetFileName(sandbox.NetworkNamespace), out _);
    }

    /// <summary>Whether a sandbox of <paramref name="hostId"/> lives in its host's namespace, so the pin must exist.</summary>
    public static bool NeededBy(ClusterSnapshot snapshot, string hostId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Sandboxes.Values.Any(s => s.HostId == hostId && Holds(s));
    }

    /// <summary>
    /// Makes sure the pin exists and holds this agent's namespace, replacing one that holds another (left by an
    /// agent of the same name that ran elsewhere, or half made). The caller holds the kernel lock.
    /// </summary>
    public void Ensure()
    {
        if (NetworkNamespace.Exists(Name, runDirectory))
        {
            if (PinsOwnNamespace())
            {
                return;
            }
            NetworkNamespace.Delete(Name, runDirectory);
        }
        NetworkNamespace.Attach(Name, OwnNamespace, runDirectory).Dispose();
    }

    /// <summary>Unpins the name once no sandbox of this host uses it; the namespace itself stays, as it must. The caller holds the kernel lock.</summary>
    public void Release()
    {
        if (NetworkNamespace.Exists(Name, runDirectory))
        {
            NetworkNamespace.Delete(Name, runDirectory);
        }
    }

    private bool PinsOwnNamespace()
    {
        try
        {
            using var own = NetworkNamespace.OpenPath(OwnNamespace, "agent");
            using var pinned = NetworkNamespace.Open(Name, runDirectory);
            return pinned.Identity == own.Identity;
        }
        catch (KernelException)
        {
            return false; // not a namespace at all: a plain file left by a failed attach
        }
    }
}
