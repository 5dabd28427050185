using System.Security.Cryptography;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;

namespace Weft.Capture.Tests;

/// <summary>
/// Two throw-away namespaces joined by a veth pair ("a0" in <see cref="Left"/>, "b0" in <see cref="Right"/>), both
/// ends up and nothing else configured: raw frames go in one end and out the other. Names carry the "wtt" prefix,
/// and both namespaces are deleted on Dispose, also after a failure.
/// </summary>
internal sealed class VethPair : IDisposable
{
    public const string LeftInterface = "a0";
    public const string RightInterface = "b0";

    private VethPair(NetworkNamespace left, NetworkNamespace right)
    {
        Left = left;
        Right = right;
    }

    public NetworkNamespace Left { get; }

    public NetworkNamespace Right { get; }

    public static VethPair Create()
    {
        var prefix = "wtt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var left = NetworkNamespace.Create(prefix + "-capa");
        NetworkNamespace? right = null;
        try
        {
            right = NetworkNamespace.Create(prefix + "-capb");
            using (var nl = left.OpenNetlink())
            {
                nl.AddLink(new Veth { Name = LeftInterface, PeerName = RightInterface, PeerNamespace = right, Up = true });
                nl.SetLinkUp(LeftInterface);
            }

            using (var nl = right.OpenNetlink())
            {
                nl.SetLinkUp(RightInterface);
            }

            WaitRunning(left, LeftInterface);
            WaitRunning(right, RightInterface);
            return new VethPair(left, right);
        }
        catch
        {
            Remove(left);
            if (right is not null)
            {
                Remove(right);
            }

            throw;
        }
    }

    public void Dispose()
    {
        Remove(Left);
        Remove(Right);
    }

    /// <summary>
    /// Until the kernel's link watcher has run for the device (up to a second, longer under load), it still has the
    /// no-op qdisc that drops every frame sent; IFF_RUNNING is set in the same step.
    /// </summary>
    private static void WaitRunning(NetworkNamespace ns, string name)
    {
        using var nl = ns.OpenNetlink();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((nl.GetLink(name).Flags & LinkFlags.Running) == 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"{name} in {ns.Name} is not running after 10 s");
            }

            Thread.Sleep(20);
        }
    }

    private static void Remove(NetworkNamespace ns)
    {
        ns.Dispose();
        if (NetworkNamespace.Exists(ns.Name))
        {
            NetworkNamespace.Delete(ns.Name);
        }
    }
}
