using System.Runtime.InteropServices;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Linux.Tests;

/// <summary>
/// The drift watch learns that `ip netns del` removed a network's name, or that the name leads elsewhere now, from this
/// watch alone (no timer): a change it misses is drift nobody repairs.
/// </summary>
[RequiresRoot]
public sealed partial class NamespaceNamesWatchTests : IDisposable
{
    private readonly DirectoryInfo _run = Directory.CreateTempSubdirectory("weft-names-");
    private readonly List<string> _created = [];

    public void Dispose()
    {
        foreach (var name in _created.Where(n => NetworkNamespace.Exists(n, _run.FullName)))
        {
            NetworkNamespace.Delete(name, _run.FullName);
        }
        _ = Umount2(_run.FullName, MntDetach); // creating a namespace made the directory a shared mount of itself
        _run.Delete(recursive: true);
    }

    [Fact]
    public async Task A_name_deleted_added_or_mounted_over_is_reported()
    {
        NetworkNamespace.Create("watched", _run.FullName).Dispose();
        _created.Add("watched");
        var changes = new SemaphoreSlim(0);
        using var watch = NamespaceNamesWatch.Start(_run.FullName, () => changes.Release());

        // The way `ip netns del` does it: unmount, unlink.
        NetworkNamespace.Delete("watched", _run.FullName);
        Assert.True(await changes.WaitAsync(TimeSpan.FromSeconds(10)), "a deleted name is reported");
        Drain(changes);

        NetworkNamespace.Create("added", _run.FullName).Dispose();
        _created.Add("added");
        Assert.True(await changes.WaitAsync(TimeSpan.FromSeconds(10)), "an added name is reported");
        Drain(changes);

        // Another namespace bound over a name that stays: no directory entry changes, the mount table does.
        var path = Path.Combine(_run.FullName, "added");
        using (var other = NetworkNamespace.Create("other", _run.FullName))
        {
            _created.Add("other");
        }
        Drain(changes);
        Assert.Equal(0, Mount(Path.Combine(_run.FullName, "other"), path, "none", MsBind, 0));
        try
        {
            Assert.True(await changes.WaitAsync(TimeSpan.FromSeconds(10)), "a namespace mounted over a name is reported");
        }
        finally
        {
            _ = Umount2(path, MntDetach);
        }
    }

    [Fact]
    public async Task Nothing_is_reported_while_nothing_changes_and_nothing_after_dispose()
    {
        var changes = 0;
        var watch = NamespaceNamesWatch.Start(_run.FullName, () => Interlocked.Increment(ref changes));
        await Task.Delay(300);
        Assert.Equal(0, Volatile.Read(ref changes));
        watch.Dispose();
        File.WriteAllText(Path.Combine(_run.FullName, "after"), "");
        await Task.Delay(300);
        Assert.Equal(0, Volatile.Read(ref changes));
    }

    private static void Drain(SemaphoreSlim changes)
    {
        Thread.Sleep(100); // one action may raise several events
        while (changes.Wait(0))
        {
        }
    }

    private const ulong MsBind = 0x1000;
    private const int MntDetach = 2;

    [LibraryImport("libc.so.6", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string source, string target, string fsType, ulong flags, nint data);

    [LibraryImport("libc.so.6", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);
}
