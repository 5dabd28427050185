using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Namespaces;

/// <summary>
/// Runs work on a dedicated OS thread that first joins a network namespace. The namespace is a property of
/// the thread, so the work never runs on the caller's thread or on the thread pool: those would keep
/// the namespace after the work is done, and every later user of that thread would land in it.
/// <para>
/// Synchronous work goes to one long-lived worker thread when it is idle (a thread costs far more to make than a
/// setns() costs to switch), and to a fresh thread when it is busy, such as when work nests. Either way the thread
/// returns home (for the worker: the process's own namespace) before the caller hears of the result.
/// </para>
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
        if (Worker.TryRun(() => Inside(work, enter, Worker.Home, operation, objectName), out var viaWorker))
        {
            return viaWorker;
        }
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

    /// <summary>The long-lived thread that runs one piece of namespace work at a time, for whoever finds it idle.</summary>
    private static class Worker
    {
        private static readonly Lazy<Runner> Instance = new(() => new Runner());
        private static int _busy;

        public static FileDescriptorHandle Home => Instance.Value.Home;

        public static bool TryRun<T>(Func<T> work, out T result)
        {
            result = default!;
            if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                return false;
            }
            try
            {
                object? boxed = null;
                Instance.Value.Execute(() => boxed = work());
                result = (T)boxed!;
                return true;
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }

        private sealed class Runner
        {
            private readonly object _gate = new();
            private Action? _job;
            private bool _finished;
            private ExceptionDispatchInfo? _failure;

            public Runner()
            {
                // Home is the process's own namespace (the thread-group leader never leaves it), whichever thread
                // happened to start the worker.
                var fd = Libc.Open("/proc/self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
                Home = fd >= 0 ? new FileDescriptorHandle(fd) : throw KernelException.FromLastError("open netns", "of the process");
                new Thread(Loop) { IsBackground = true, Name = "weft-netns-worker" }.Start();
            }

            public FileDescriptorHandle Home { get; }

            public void Execute(Action job)
            {
                lock (_gate)
                {
                    _job = job;
                    _finished = false;
                    _failure = null;
                    Monitor.PulseAll(_gate);
                    while (!_finished)
                    {
                        Monitor.Wait(_gate);
                    }
                }
                _failure?.Throw();
            }

            private void Loop()
            {
                if (Enter(Home) != 0)
                {
                    Environment.FailFast("weft: the namespace worker could not join the process's own namespace");
                }
                while (true)
                {
                    Action job;
                    lock (_gate)
                    {
                        while (_job is null)
                        {
                            Monitor.Wait(_gate);
                        }
                        job = _job;
                        _job = null;
                    }
                    ExceptionDispatchInfo? failure = null;
                    try
                    {
                        job();
                    }
#pragma warning disable CA1031 // Handed to the caller, which rethrows it.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        failure = ExceptionDispatchInfo.Capture(e);
                    }
                    lock (_gate)
                    {
                        _failure = failure;
                        _finished = true;
                        Monitor.PulseAll(_gate);
                    }
                }
            }
        }
    }
}
