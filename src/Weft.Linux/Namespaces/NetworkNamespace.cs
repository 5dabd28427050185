using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Weft.Linux.Interop;

namespace Weft.Linux.Namespaces;

/// <summary>
/// A network namespace held open by a file descriptor, usually one bind-mounted under /run/netns so
/// that <c>ip netns exec</c> sees it. Work runs inside it on a dedicated thread (<see cref="Run{T}"/>),
/// in the manner of containernetworking/plugins' <c>ns.Do</c>; the caller's thread never moves.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    /// <summary>
    /// The first Process.Start of a process starts the runtime's signal-handling thread, which later
    /// completes process-exit waits on the thread pool. Created from a namespace thread it would live in
    /// that namespace (threads inherit their creator's), so it is started here, on the caller's thread.
    /// </summary>
    private static readonly Lazy<bool> SignalHandling = new(() =>
    {
        if (OperatingSystem.IsLinux())
        {
            using (PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => { }))
            {
            }
        }

        return true;
    });

    /// <summary>Run directories already made shared mounts by this process (<see cref="MakeSharedMount"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> SharedDirectories = new(StringComparer.Ordinal);

    /// <summary>Where iproute2 keeps named namespaces.</summary>
    public const string DefaultRunDirectory = "/run/netns";

    private NetworkNamespace(string name, string path, FileDescriptorHandle handle)
    {
        Name = name;
        Path = path;
        Handle = handle;
    }

    /// <summary>The namespace's name (the file name under its run directory) or its path.</summary>
    public string Name { get; }

    /// <summary>The file that pins the namespace, such as /run/netns/NAME.</summary>
    public string Path { get; }

    /// <summary>The open namespace file; its descriptor is what setns() and IFLA_NET_NS_FD take.</summary>
    public FileDescriptorHandle Handle { get; }

    /// <summary>
    /// Creates a named namespace the way <c>ip netns add</c> does: an empty file under the run directory,
    /// a dedicated thread that unshares its network namespace, and a bind mount of that thread's
    /// namespace onto the file. The run directory is made a shared mount so the namespace is visible to
    /// other mount namespaces too. Nothing is left behind if a step fails.
    /// </summary>
    public static NetworkNamespace Create(string name, string? runDirectory = null)
    {
        var path = NewMountPoint(name, runDirectory, "create netns");
        try
        {
            NamespaceThread.Run(
                () =>
                {
                    // /proc/self names the thread-group leader; this thread's own namespace is under task/TID.
                    var source = $"/proc/self/task/{Libc.GetTid()}/ns/net";
                    return Libc.Mount(source, path, "none", Libc.MS_BIND, 0) == 0
                        ? 0
                        : throw KernelException.FromLastError("bind-mount netns", name);
                },
                () => Libc.Unshare(Libc.CLONE_NEWNET) == 0 ? 0 : Marshal.GetLastPInvokeError(),
                "unshare netns",
                name);
            return OpenPath(path, name);
        }
        catch
        {
            Libc.Umount2(path, Libc.MNT_DETACH);
            Libc.Unlink(path);
            throw;
        }
    }

    /// <summary>
    /// A new namespace with no name: held only by the returned descriptor, so it goes away with it (or with the process)
    /// and leaves nothing in any directory. <see cref="Attach"/> with <see cref="DescriptorPath"/> names it later.
    /// </summary>
    public static NetworkNamespace CreateAnonymous() =>
        NamespaceThread.Run(
            () => OpenPath($"/proc/self/task/{Libc.GetTid()}/ns/net", "anonymous"),
            () => Libc.Unshare(Libc.CLONE_NEWNET) == 0 ? 0 : Marshal.GetLastPInvokeError(),
            "unshare netns",
            "anonymous");

    /// <summary>This namespace's path through its open descriptor: valid in this process while the handle is open.</summary>
    public string DescriptorPath => $"/proc/self/fd/{Handle.DangerousGetHandle()}";

    /// <summary>
    /// Gives an existing namespace a name, as <c>ip netns attach NAME PID</c> does: an empty file under the run
    /// directory with <paramref name="sourcePath"/> (a namespace file such as /proc/self/ns/net) bind-mounted onto
    /// it. <see cref="Delete"/> later removes only that name: the namespace lives on while anything else holds it.
    /// Nothing is left behind if a step fails.
    /// </summary>
    public static NetworkNamespace Attach(string name, string sourcePath, string? runDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var path = NewMountPoint(name, runDirectory, "attach netns");
        try
        {
            if (Libc.Mount(sourcePath, path, "none", Libc.MS_BIND, 0) != 0)
            {
                throw KernelException.FromLastError("attach netns", $"{name} to {sourcePath}");
            }
            return OpenPath(path, name);
        }
        catch
        {
            Libc.Umount2(path, Libc.MNT_DETACH);
            Libc.Unlink(path);
            throw;
        }
    }

    /// <summary>
    /// The empty file a namespace is bind-mounted onto, made new under the run directory, which is made a shared
    /// mount so the namespace is visible to other mount namespaces too.
    /// </summary>
    private static string NewMountPoint(string name, string? runDirectory, string operation)
    {
        ValidateName(name);
        var directory = runDirectory ?? DefaultRunDirectory;
        var path = System.IO.Path.Combine(directory, name);
        Directory.CreateDirectory(directory);
        MakeSharedMount(directory);
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0);
        var errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (errno == Errno.EEXIST && !IsNamespaceFile(path))
        {
            // A mount point whose mount never came: what a process killed between the two steps of a create leaves.
            // The name is free in every sense that matters; take it.
            Libc.Unlink(path);
            fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        if (fd < 0)
        {
            throw new KernelException(errno, operation, name);
        }
        Libc.Close(fd);
        return path;
    }

    /// <summary>Whether <paramref name="path"/> is a network namespace (a mounted one, or a /proc link), not any other file.</summary>
    private static bool IsNamespaceFile(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            return Libc.Ioctl(fd, Libc.NS_GET_NSTYPE) == Libc.CLONE_NEWNET;
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Opens a named namespace; a missing one fails with ENOENT naming it.</summary>
    public static NetworkNamespace Open(string name, string? runDirectory = null)
    {
        ValidateName(name);
        return OpenPath(System.IO.Path.Combine(runDirectory ?? DefaultRunDirectory, name), name);
    }

    /// <summary>
    /// Opens any namespace file, such as /proc/PID/ns/net. A file that is not a network namespace (an empty mount point
    /// left by an interrupted create, say) fails here with EINVAL naming it, not later when a thread tries to enter it.
    /// </summary>
    public static NetworkNamespace OpenPath(string path, string? name = null)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw KernelException.FromLastError("open netns", name ?? path);
        }
        var handle = new FileDescriptorHandle(fd);
        if (Libc.Ioctl(fd, Libc.NS_GET_NSTYPE) != Libc.CLONE_NEWNET)
        {
            handle.Dispose();
            throw new KernelException(Errno.EINVAL, "open netns", name ?? path, "it is not a network namespace (a mount point left by an interrupted create?)");
        }

        return new NetworkNamespace(name ?? path, path, handle);
    }

    /// <summary>Opens a named namespace, or returns null when the name holds none: missing, or a file that is not a namespace.</summary>
    public static NetworkNamespace? TryOpen(string name, string? runDirectory = null)
    {
        ValidateName(name);
        var path = System.IO.Path.Combine(runDirectory ?? DefaultRunDirectory, name);
        return IsNamespaceFile(path) ? OpenPath(path, name) : null;
    }

    /// <summary>The namespace of the calling thread (normally the host's).</summary>
    public static NetworkNamespace OpenCurrent() =>
        OpenPath($"/proc/self/task/{Libc.GetTid()}/ns/net", "current");

    /// <summary>
    /// Deletes a named namespace like <c>ip netns delete</c>: lazily unmounts and removes the file. The
    /// namespace itself, with its links, goes away once no process or open descriptor pins it.
    /// </summary>
    public static void Delete(string name, string? runDirectory = null)
    {
        ValidateName(name);
        var path = System.IO.Path.Combine(runDirectory ?? DefaultRunDirectory, name);
        if (Libc.Umount2(path, Libc.MNT_DETACH) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ENOENT)
            {
                throw new KernelException(errno, "delete netns", name);
            }

            // EINVAL: not a mount point (a half-created namespace); the file is still ours to remove.
        }

        if (Libc.Unlink(path) != 0)
        {
            throw KernelException.FromLastError("delete netns", name);
        }
    }

    public static bool Exists(string name, string? runDirectory = null) =>
        File.Exists(System.IO.Path.Combine(runDirectory ?? DefaultRunDirectory, name));

    /// <summary>The names under the run directory, sorted; empty when it does not exist.</summary>
    public static IReadOnlyList<string> List(string? runDirectory = null)
    {
        var directory = runDirectory ?? DefaultRunDirectory;
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var names = Directory.GetFiles(directory).Select(System.IO.Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Runs <paramref name="work"/> inside this namespace on a dedicated thread and waits for it.</summary>
    public T Run<T>(Func<T> work) =>
        NamespaceThread.Run(work, () => NamespaceThread.Enter(Handle), "enter netns", Name);

    public void Run(Action work) => Run(() =>
    {
        work();
        return true;
    });

    /// <summary>
    /// Runs synchronous <paramref name="work"/> inside this namespace on a dedicated thread. It takes no
    /// async delegate on purpose: after an await the rest would run on a thread-pool thread, outside.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work) =>
        NamespaceThread.RunAsync(work, () => NamespaceThread.Enter(Handle), "enter netns", Name);

    public Task RunAsync(Action work) => RunAsync(() =>
    {
        work();
        return true;
    });

    /// <summary>
    /// Starts a process inside this namespace: it is forked from a thread that has joined the namespace,
    /// and a child inherits its parent thread's namespaces.
    /// </summary>
    public Process StartProcess(ProcessStartInfo startInfo)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        SignalHandling.Value.ToString();
        return Run(() => Process.Start(startInfo) ?? throw new InvalidOperationException($"netns {Name}: {startInfo.FileName} did not start"));
    }

    /// <summary>
    /// The kernel's name for this namespace, "net:[4026532459]", the same as /proc/PID/ns/net links to for every
    /// process inside it: how to tell which processes live here, or whether two handles are the same namespace.
    /// </summary>
    /// <remarks>Read from the open descriptor's inode (statx), so no thread has to enter the namespace for it.</remarks>
    public unsafe string Identity
    {
        get
        {
            var buffer = stackalloc byte[Libc.StatxSize];
            if (Libc.Statx(Handle, "", Libc.AT_EMPTY_PATH, Libc.STATX_INO, buffer) != 0)
            {
                throw KernelException.FromLastError("statx netns", Name);
            }
            var inode = *(ulong*)(buffer + Libc.StatxInoOffset);
            return $"net:[{inode.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
        }
    }

    /// <summary>
    /// The <see cref="Identity"/> of the namespace a path leads to now, or null when it leads to none (a name deleted with
    /// `ip netns del`, or left unmounted): compared with a held namespace's, it tells whether the name still means it.
    /// </summary>
    public static string? IdentityAt(string path)
    {
        if (!IsNamespaceFile(path))
        {
            return null;
        }
        try
        {
            using var ns = OpenPath(path);
            return ns.Identity;
        }
        catch (KernelException)
        {
            return null; // gone in between
        }
    }

    /// <summary>Opens a netlink handle whose socket lives in this namespace, whichever thread later uses it.</summary>
    public NetlinkHandle OpenNetlink() => Run(NetlinkHandle.Open);

    /// <summary>Reads a sysctl of this namespace, such as "net.ipv4.ip_forward" or "net/ipv4/conf/eth0/proxy_arp".</summary>
    public string ReadSysctl(string key)
    {
        var path = SysctlPath(key);
        return Run(() =>
        {
            try
            {
                return File.ReadAllText(path).TrimEnd('\n');
            }
            catch (IOException e)
            {
                throw new KernelException(ErrnoOf(e), "read sysctl", key);
            }
        });
    }

    /// <summary>Writes a sysctl of this namespace; /proc/sys/net resolves against the writer's namespace.</summary>
    public void WriteSysctl(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var path = SysctlPath(key);
        Run(() =>
        {
            try
            {
                // Open without truncation or locking: proc files take one write of the whole value.
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                file.Write(Encoding.ASCII.GetBytes(value + "\n"));
            }
            catch (IOException e)
            {
                throw new KernelException(ErrnoOf(e), "write sysctl", key);
            }
        });
    }

    public void Dispose() => Handle.Dispose();

    public override string ToString() => Name;

    private static string SysctlPath(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var relative = key.Contains('/', StringComparison.Ordinal) ? key.TrimStart('/') : key.Replace('.', '/');
        if (relative.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"'{key}' is not a sysctl name", nameof(key));
        }

        return "/proc/sys/" + relative;
    }

    private static int ErrnoOf(IOException e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
        _ when (e.HResult & 0xffff) is > 0 and < 200 => e.HResult & 0xffff,
        _ => Errno.EINVAL,
    };

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Length > 255)
        {
            throw new ArgumentException($"'{name}' is not a valid namespace name", nameof(name));
        }
    }

    /// <summary>
    /// As iproute2 does: make the run directory a shared mount, first turning it into a mount point (a
    /// recursive bind onto itself) if it is not one yet, so namespace mounts propagate to other mount
    /// namespaces and every process sees the same set.
    /// </summary>
    private static void MakeSharedMount(string directory)
    {
        // Once per directory and process: with MS_REC the kernel walks every namespace mounted below, on every create.
        if (SharedDirectories.ContainsKey(directory))
        {
            return;
        }
        var madeMountPoint = false;
        while (Libc.Mount("", directory, "none", Libc.MS_SHARED | Libc.MS_REC, 0) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINVAL || madeMountPoint)
            {
                throw new KernelException(errno, "make shared mount", directory);
            }

            if (Libc.Mount(directory, directory, "none", Libc.MS_BIND | Libc.MS_REC, 0) != 0)
            {
                throw KernelException.FromLastError("bind-mount", directory);
            }

            madeMountPoint = true;
        }
        SharedDirectories[directory] = true;
    }
}
