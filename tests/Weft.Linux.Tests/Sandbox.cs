using System.Security.Cryptography;
using Weft.Linux.Namespaces;

namespace Weft.Linux.Tests;

/// <summary>
/// Throw-away namespaces for one test. Names carry the run's prefix ("wtt" + a random run id), so parallel
/// runs and other test assemblies never collide, and the suite script can spot leftovers. Everything is
/// removed on Dispose, also when the test failed halfway.
/// </summary>
public sealed class Sandbox : IDisposable
{
    /// <summary>"wtt" plus four random hex digits, fixed for the whole test run.</summary>
    public static readonly string RunPrefix = "wtt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();

    private static int _counter;
    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<IDisposable> _resources = [];

    /// <summary>A unique name with the run prefix, such as "wtt3fa9-lk7".</summary>
    public static string UniqueName(string tag) => $"{RunPrefix}-{tag}{Interlocked.Increment(ref _counter)}";

    public NetworkNamespace CreateNamespace(string tag)
    {
        var ns = NetworkNamespace.Create(UniqueName(tag));
        _namespaces.Add(ns);
        return ns;
    }

    /// <summary>A fresh namespace and a netlink handle bound to it.</summary>
    public (NetworkNamespace Ns, NetlinkHandle Netlink) CreateNamespaceWithHandle(string tag)
    {
        var ns = CreateNamespace(tag);
        return (ns, Track(ns.OpenNetlink()));
    }

    public T Track<T>(T resource)
        where T : IDisposable
    {
        _resources.Add(resource);
        return resource;
    }

    public void Dispose()
    {
        foreach (var resource in Enumerable.Reverse(_resources))
        {
            resource.Dispose();
        }

        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            ns.Dispose();
            if (NetworkNamespace.Exists(ns.Name))
            {
                NetworkNamespace.Delete(ns.Name);
            }
        }
    }
}
