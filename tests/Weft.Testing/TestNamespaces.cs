using System.Security.Cryptography;
using Weft.Linux;
using Weft.Linux.Namespaces;

namespace Weft.Testing;

/// <summary>
/// Throw-away network namespaces for one test or fixture, and the one place tests get them from. Every name starts with
/// <see cref="Id"/>: the run's prefix ("wtt" and random hex digits, fixed for the test process) and a number unique in
/// the run, so parallel tests and parallel test assemblies never collide and the suite script can spot leftovers.
/// </summary>
/// <remarks>
/// Dispose closes what was tracked, then deletes every namespace whose name contains <see cref="Id"/>: the ones made here
/// and the ones code under test derived from them (a driver's weft-HOST_NET), also when the test failed halfway. It fails
/// if any stays. When the test process ends, a last sweep deletes whatever of the run's prefix a crashed test left.
/// </remarks>
public sealed class TestNamespaces : IDisposable
{
    private static int _instances;
    private readonly List<IDisposable> _resources = [];
    private readonly List<string> _foreignNames = [];
    private bool _disposed;

    static TestNamespaces()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteMatching(n => n.Contains(RunPrefix, StringComparison.Ordinal));
    }

    public TestNamespaces() => Id = $"{RunPrefix}-{Interlocked.Increment(ref _instances)}-";

    /// <summary>"wtt" plus six random hex digits, fixed for the whole test process.</summary>
    public static string RunPrefix { get; } = "wtt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    /// <summary>Unique in the run and not contained in any other fixture's id, such as "wtt3fa9c1-7-".</summary>
    public string Id { get; }

    /// <summary>A name under this fixture's id, for a namespace the test (or the code under test) creates itself.</summary>
    public string NameFor(string tag) => Id + tag;

    public NetworkNamespace Create(string tag) => Track(NetworkNamespace.Create(NameFor(tag)));

    /// <summary>A fresh namespace and a netlink handle bound to it; both are closed on Dispose.</summary>
    public (NetworkNamespace Namespace, NetlinkHandle Netlink) CreateWithNetlink(string tag)
    {
        var ns = Create(tag);
        return (ns, Track(ns.OpenNetlink()));
    }

    /// <summary>Opens a namespace made under this fixture's id by someone else, such as an underlay host; closed on Dispose.</summary>
    public NetworkNamespace Open(string name) => Track(NetworkNamespace.Open(name));

    /// <summary>Closes <paramref name="resource"/> on Dispose, before any namespace is deleted, in reverse order of tracking.</summary>
    public T Track<T>(T resource)
        where T : IDisposable
    {
        _resources.Add(resource);
        return resource;
    }

    /// <summary>Deletes a namespace whose name the test could not choose (a pin named after a host) on Dispose too.</summary>
    public void DeleteOnDispose(string name) => _foreignNames.Add(name);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var resource in Enumerable.Reverse(_resources))
        {
            resource.Dispose();
        }
        DeleteMatching(IsOurs);
        var left = NetworkNamespace.List().Where(IsOurs).ToList();
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"test namespaces {Id}* left behind: {string.Join(", ", left)}");
        }
    }

    private bool IsOurs(string name) => name.Contains(Id, StringComparison.Ordinal) || _foreignNames.Contains(name);

    private static void DeleteMatching(Func<string, bool> match)
    {
        foreach (var name in NetworkNamespace.List().Where(match))
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
}
