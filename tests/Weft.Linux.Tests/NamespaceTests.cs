using System.Diagnostics;
using Weft.Linux.Interop;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Linux.Tests;

[RequiresRoot]
public sealed class NamespaceTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    [Fact]
    public void Create_list_open_and_delete_a_named_namespace_like_ip_netns()
    {
        var name = _namespaces.NameFor("ns");
        using (var ns = NetworkNamespace.Create(name))
        {
            Assert.Equal(name, ns.Name);
            Assert.Equal($"/run/netns/{name}", ns.Path);
            Assert.Contains(name, NetworkNamespace.List());
            Assert.True(NetworkNamespace.Exists(name));
            // A bind mount of an nsfs inode, as `ip netns add` leaves it.
            Assert.Contains(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains($" /run/netns/{name} ", StringComparison.Ordinal) && line.Contains(" nsfs ", StringComparison.Ordinal));

            using var reopened = NetworkNamespace.Open(name);
            Assert.Equal(ns.Run(NetnsId), reopened.Run(NetnsId));
        }

        NetworkNamespace.Delete(name);
        Assert.DoesNotContain(name, NetworkNamespace.List());
        Assert.False(File.Exists($"/run/netns/{name}"));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains($"/run/netns/{name} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Work_runs_inside_on_a_dedicated_thread_and_the_caller_never_moves()
    {
        var a = _namespaces.Create("ra");
        var b = _namespaces.Create("rb");
        var caller = NetnsId();
        var callerThread = Environment.CurrentManagedThreadId;

        var (insideA, threadA) = a.Run(() => (NetnsId(), Environment.CurrentManagedThreadId));
        var insideB = await b.RunAsync(NetnsId);
        Assert.NotEqual(caller, insideA);
        Assert.NotEqual(caller, insideB);
        Assert.NotEqual(insideA, insideB);
        Assert.NotEqual(callerThread, threadA);
        Assert.Equal(caller, NetnsId());

        // Thread-pool threads stay in the host namespace, however much work ran inside others.
        var pool = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(NetnsId)));
        Assert.All(pool, id => Assert.Equal(caller, id));

        // Exceptions come back to the caller with their type.
        Assert.Throws<InvalidOperationException>(() => a.Run<int>(() => throw new InvalidOperationException("inside")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.RunAsync<int>(() => throw new InvalidOperationException("inside")));
    }

    [Fact]
    public void A_started_process_runs_inside_the_namespace()
    {
        var ns = _namespaces.Create("pr");
        var inside = ns.Run(NetnsId);
        using var process = ns.StartProcess(new ProcessStartInfo("readlink", ["/proc/self/ns/net"]) { RedirectStandardOutput = true });
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(inside, output);
        Assert.NotEqual(NetnsId(), output);
    }

    [Fact]
    public void A_handle_stays_bound_to_the_namespace_it_was_opened_in()
    {
        var (a, nlA) = _namespaces.CreateWithNetlink("ha");
        var (_, nlB) = _namespaces.CreateWithNetlink("hb");
        nlA.AddLink(new Bridge { Name = "only-in-a" });
        Assert.NotNull(nlA.FindLink("only-in-a"));
        Assert.Null(nlB.FindLink("only-in-a"));
        using var fromOtherThread = a.Run(() => NetlinkHandle.Open());
        Assert.NotNull(fromOtherThread.FindLink("only-in-a"));
    }

    [Fact]
    public void Sysctls_are_written_and_read_per_namespace()
    {
        var (ns, nl) = _namespaces.CreateWithNetlink("sy");
        nl.AddLink(new Bridge { Name = "d0" });
        var hostForwarding = File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim();

        // A new namespace starts from the host's values (devconf_inherit_init_net), so both values are written here.
        var other = hostForwarding == "1" ? "0" : "1";
        ns.WriteSysctl("net.ipv4.ip_forward", other);
        Assert.Equal(other, ns.ReadSysctl("net.ipv4.ip_forward"));
        ns.WriteSysctl("net/ipv4/conf/d0/proxy_arp", "1");
        Assert.Equal("1", ns.ReadSysctl("net.ipv4.conf.d0.proxy_arp"));
        Assert.Equal(hostForwarding, File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim());

        var missing = Assert.Throws<KernelException>(() => ns.ReadSysctl("net.ipv4.conf.nosuch0.proxy_arp"));
        Assert.Equal(Errno.ENOENT, missing.Errno);
        Assert.Equal("net.ipv4.conf.nosuch0.proxy_arp", missing.ObjectName);
        Assert.Throws<ArgumentException>(() => ns.ReadSysctl("net/../../etc/passwd"));
    }

    [Fact]
    public void A_namespace_can_live_under_another_run_directory()
    {
        var directory = Path.Combine("/run", _namespaces.NameFor("dir"));
        var name = _namespaces.NameFor("nd");
        try
        {
            using (var ns = NetworkNamespace.Create(name, directory))
            {
                Assert.Equal(Path.Combine(directory, name), ns.Path);
                Assert.Equal([name], NetworkNamespace.List(directory));
                Assert.DoesNotContain(name, NetworkNamespace.List());
            }

            NetworkNamespace.Delete(name, directory);
            Assert.Empty(NetworkNamespace.List(directory));
        }
        finally
        {
            if (NetworkNamespace.Exists(name, directory))
            {
                NetworkNamespace.Delete(name, directory);
            }

            // Creating made the directory a (shared) mount point, as iproute2 does with /run/netns.
            using (var umount = Process.Start("umount", ["-l", directory]))
            {
                umount.WaitForExit();
            }

            Directory.Delete(directory);
        }
    }

    [Fact]
    public void An_anonymous_namespace_is_a_new_one_that_a_name_keeps_after_its_descriptor_closes()
    {
        var name = _namespaces.NameFor("anon");
        string identity;
        try
        {
            using (var anonymous = NetworkNamespace.CreateAnonymous())
            {
                identity = anonymous.Identity;
                Assert.NotEqual(new FileInfo("/proc/self/ns/net").LinkTarget, identity);
                Assert.DoesNotContain(NetworkNamespace.List(), n => n.Contains("anon", StringComparison.Ordinal));
                using var nl = anonymous.OpenNetlink();
                nl.AddLink(new Bridge { Name = "kept" });
                NetworkNamespace.Attach(name, anonymous.DescriptorPath).Dispose();
            }
            // The descriptor is closed; the name holds the same namespace, with what was made in it.
            using var named = NetworkNamespace.Open(name);
            Assert.Equal(identity, named.Identity);
            using var again = named.OpenNetlink();
            Assert.NotNull(again.FindLink("kept"));
        }
        finally
        {
            if (NetworkNamespace.Exists(name))
            {
                NetworkNamespace.Delete(name);
            }
        }
    }

    [Fact]
    public void Attaching_names_an_existing_namespace_and_deleting_the_name_leaves_the_namespace_alive()
    {
        var target = _namespaces.Create("at");
        var nl = _namespaces.Track(target.OpenNetlink());
        nl.AddLink(new Bridge { Name = "survivor" });
        var name = _namespaces.NameFor("pin");
        try
        {
            using (var pinned = NetworkNamespace.Attach(name, target.Path))
            {
                Assert.Equal(target.Identity, pinned.Identity);
                Assert.Contains(name, NetworkNamespace.List());
            }

            NetworkNamespace.Delete(name);
            Assert.False(NetworkNamespace.Exists(name));
            // Only the name went: the namespace, its link and its own name are all still there.
            Assert.NotNull(nl.FindLink("survivor"));
            using var again = NetworkNamespace.Open(target.Name);
            Assert.Equal(target.Identity, again.Identity);

            // The calling process's own namespace, as an agent pins it for host-network sandboxes.
            using (var own = NetworkNamespace.Attach(name, "/proc/self/ns/net"))
            {
                Assert.Equal(new FileInfo("/proc/self/ns/net").LinkTarget, own.Identity);
            }
            NetworkNamespace.Delete(name);
            Assert.Equal(new FileInfo("/proc/self/ns/net").LinkTarget, NetnsId());
        }
        finally
        {
            if (NetworkNamespace.Exists(name))
            {
                NetworkNamespace.Delete(name);
            }
        }
    }

    [Fact]
    public void Attaching_a_name_that_is_taken_or_a_source_that_is_no_namespace_fails_and_leaves_nothing()
    {
        var taken = _namespaces.Create("tk");
        var identity = taken.Identity;
        var clash = Assert.Throws<KernelException>(() => NetworkNamespace.Attach(taken.Name, "/proc/self/ns/net"));
        Assert.Equal(Errno.EEXIST, clash.Errno);
        using (var still = NetworkNamespace.Open(taken.Name))
        {
            Assert.Equal(identity, still.Identity);
        }

        var name = _namespaces.NameFor("bad");
        var missing = Assert.Throws<KernelException>(() => NetworkNamespace.Attach(name, "/proc/self/ns/no-such-namespace"));
        Assert.Equal(Errno.ENOENT, missing.Errno);
        Assert.False(NetworkNamespace.Exists(name));
    }

    /// <summary>The calling thread's namespace identity, "net:[inode]".</summary>
    private static string NetnsId() => new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? "";

    /// <summary>A process killed between the two steps of a create leaves an empty file where the namespace's mount goes.</summary>
    [Fact]
    public void A_mount_point_left_without_its_mount_is_no_namespace_and_a_create_takes_the_name_back()
    {
        var name = _namespaces.NameFor("stale");
        var path = Path.Combine(NetworkNamespace.DefaultRunDirectory, name);
        File.WriteAllBytes(path, []);
        _namespaces.DeleteOnDispose(name);

        Assert.True(NetworkNamespace.Exists(name)); // the name is taken by a file…
        Assert.Null(NetworkNamespace.TryOpen(name)); // …that holds no namespace
        var error = Assert.Throws<KernelException>(() => NetworkNamespace.Open(name));
        Assert.Equal((Interop.Errno.EINVAL, true), (error.Errno, error.Message.Contains(name, StringComparison.Ordinal)));

        using var created = NetworkNamespace.Create(name);
        using var nl = created.OpenNetlink();
        Assert.NotNull(nl.FindLink("lo"));
        using var reopened = NetworkNamespace.TryOpen(name);
        Assert.Equal(created.Identity, reopened!.Identity);
    }
}
