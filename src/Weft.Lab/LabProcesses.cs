using System.Diagnostics;
using Weft.Linux;
using Weft.Linux.Namespaces;

namespace Weft.Lab;

/// <summary>
/// Starts the lab's long-running processes (agents, etcd) inside their namespaces, detached: a session of
/// their own, output appended to a log file, so they outlive the `weft lab up` that started them. Finds
/// them again by the namespace they live in, so `down` also cleans up after a lab whose state was lost.
/// </summary>
public static class LabProcesses
{
    public static int StartDetached(NetworkNamespace ns, IReadOnlyList<string> command, string logPath, IReadOnlyDictionary<string, string>? environment = null) =>
        DetachedProcess.Start(ns, command, logPath, environment);

    /// <summary>The identity of a namespace as the kernel names it ("net:[4026532345]").</summary>
    public static string? Identity(string namespaceName)
    {
        try
        {
            using var ns = NetworkNamespace.Open(namespaceName);
            return ns.Identity;
        }
        catch (KernelException)
        {
            return null;
        }
    }

    /// <summary>Every process whose network namespace is one of <paramref name="namespaceNames"/>.</summary>
    public static IReadOnlyList<int> InNamespaces(IEnumerable<string> namespaceNames)
    {
        var identities = namespaceNames.Select(Identity).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var found = new List<int>();
        if (identities.Count == 0)
        {
            return found;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                if (new FileInfo(Path.Combine(dir, "ns", "net")).LinkTarget is { } target && identities.Contains(target))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It exited while we looked.
            }
        }
        return found;
    }

    /// <summary>Ends processes with SIGKILL and waits until they are gone (or 5 s passed).</summary>
    public static void Kill(IEnumerable<int> pids)
    {
        var victims = new List<Process>();
        foreach (var pid in pids.Distinct())
        {
            try
            {
                var p = Process.GetProcessById(pid);
                p.Kill(entireProcessTree: false);
                victims.Add(p);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
        var deadline = Stopwatch.StartNew();
        foreach (var p in victims)
        {
            while (!p.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(20);
            }
            p.Dispose();
        }
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
