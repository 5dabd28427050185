using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Namespaces;

/// <summary>
/// Runs work on a fresh OS thread that first joins a network namespace. The namespace is a property of
/// the thread, so the work never runs on the caller's thread or on the thread pool: those would keep
/// the namespace after the work is done, and every later user of that thread would land in it.
/// <para>
/// A subtler leak: a new OS thread inherits the namespace of the thread that creates it, and the .NET
/// thread pool creates its workers on whichever thread queues work. So the namespace thread returns to
/// the caller's namespace before it signals completion (which queues the awaiting continuation), and
/// the work itself must stay synchronous and must not queue thread-pool work.
/// </para>
/// </summary>
internal static class NamespaceThread
{
    public static T Run<T>(Func<T> work, Func<int> enter, string operation, string objectName)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        using var home = OpenCallerNamespace();
        var thread = new Thread(() =>
        {
            try
            {
                result = Inside(work, enter, home, operation, objectName);
            }
#pragma warning disable CA1031 // The exception is rethrown on the caller's thread below.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "weft-netns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public static Task<T> RunAsync<T>(Func<T> work, Func<int> enter, string operation, string objectName)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var home = OpenCallerNamespace();
        var thread = new Thread(() =>
        {
            try
            {
                // Back home before SetResult: completing the task queues thread-pool work.
                completion.SetResult(Inside(work, enter, home, operation, objectName));
            }
#pragma warning disable CA1031 // Handed to the task, which rethrows it to whoever awaits.
            catch (Exception e)
#pragma warning restore CA1031
            {
                completion.SetException(e);
            }
            finally
            {
                home.Dispose();
            }
        })
        {
            IsBackground = true,
            Name = "weft-netns",
        };
        thread.Start();
        return completion.Task;
    }

    /// <summary>setns(fd, CLONE_NEWNET) for the calling thread; returns 0 or the errno.</summary>
    public static int Enter(FileDescriptorHandle namespaceFd) =>
        Libc.SetNs(namespaceFd, Libc.CLONE_NEWNET) == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static T Inside<T>(Func<T> work, Func<int> enter, FileDescriptorHandle home, string operation, string objectName)
    {
        var errno = enter();
        if (errno != 0)
        {
            // A failed setns or unshare leaves the thread where it was; nothing to undo.
            throw new KernelException(errno, operation, objectName);
        }

        try
        {
            return work();
        }
        finally
        {
            if (Enter(home) != 0)
            {
                // This thread could go on to create runtime threads inside the namespace; a process in
                // that state runs later work in the wrong network, which is worse than stopping.
                Environment.FailFast($"weft: could not return a namespace thread to its caller's namespace after {operation} {objectName}");
            }
        }
    }

    private static FileDescriptorHandle OpenCallerNamespace()
    {
        var fd = Libc.Open($"/proc/self/task/{Libc.GetTid()}/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        return fd >= 0 ? new FileDescriptorHandle(fd) : throw KernelException.FromLastError("open netns", "of the calling thread");
    }
}
