using Weft.Linux.Interop;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Linux.Tests;

/// <summary>A sandbox's process sees its own hostname and files, and the host sees neither.</summary>
[RequiresRoot]
public sealed class SandboxSetupTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("wtt-setup").FullName;

    public void Dispose()
    {
        _namespaces.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_started_process_sees_the_bound_files_and_hostname_while_the_host_keeps_its_own()
    {
        var ns = _namespaces.Create("setup");
        var resolv = Path.Combine(_dir, "resolv.conf");
        var hosts = Path.Combine(_dir, "hosts");
        File.WriteAllText(resolv, "nameserver 10.0.10.1\nsearch test-net\n");
        File.WriteAllText(hosts, "10.0.10.9\twtt-peer\n");
        var log = Path.Combine(_dir, "out.log");
        var hostResolvBefore = File.ReadAllText("/etc/resolv.conf");
        var hostName = Environment.MachineName;
        var setup = new SandboxSetup("wtt-box", [new FileBind(resolv, "/etc/resolv.conf"), new FileBind(hosts, "/etc/hosts")]);

        var pid = DetachedProcess.Start(ns, ["sh", "-c", "cat /etc/resolv.conf /etc/hosts; hostname; readlink /proc/self/ns/net"], log, setup: setup);
        WaitForExit(pid);

        var output = File.ReadAllText(log);
        Assert.Equal(
            $"nameserver 10.0.10.1\nsearch test-net\n10.0.10.9\twtt-peer\nwtt-box\n{ns.Identity}\n",
            output);
        Assert.Equal(hostResolvBefore, File.ReadAllText("/etc/resolv.conf"));
        Assert.Equal(hostName, Environment.MachineName);
    }

    [Fact]
    public void A_rewritten_file_is_seen_by_the_running_process_because_it_is_rewritten_in_place()
    {
        var ns = _namespaces.Create("setup");
        var resolv = Path.Combine(_dir, "resolv.conf");
        File.WriteAllText(resolv, "nameserver 10.0.10.1\n");
        var log = Path.Combine(_dir, "out.log");
        var setup = new SandboxSetup(Binds: [new FileBind(resolv, "/etc/resolv.conf")]);

        // The process waits for a flag file, then reports what it sees.
        var flag = Path.Combine(_dir, "go");
        var pid = DetachedProcess.Start(ns, ["sh", "-c", $"while [ ! -e {flag} ]; do sleep 0.05; done; cat /etc/resolv.conf"], log, setup: setup);
        File.WriteAllText(resolv, "nameserver 10.0.20.1\n");
        File.WriteAllText(flag, "");
        WaitForExit(pid);

        Assert.Equal("nameserver 10.0.20.1\n", File.ReadAllText(log));
    }

    [Fact]
    public void A_started_process_holds_stdin_stdout_and_stderr_only_not_what_its_starter_inherited()
    {
        var ns = _namespaces.Create("setup");
        // A descriptor this process holds without close-on-exec, as a shell's or a CI runner's pipe would be.
        var stray = Libc.Open("/dev/null", Libc.O_RDONLY, 0);
        Assert.True(stray >= 3, $"open /dev/null: {stray}");
        int pid = 0;
        try
        {
            pid = DetachedProcess.Start(ns, ["sleep", "30"], Path.Combine(_dir, "out.log"));
            Assert.Equal(["0", "1", "2"], Directory.GetFiles($"/proc/{pid}/fd").Select(Path.GetFileName).Order(StringComparer.Ordinal));
            // This process keeps its own descriptor.
            Assert.True(File.Exists($"/proc/self/fd/{stray}"));
        }
        finally
        {
            if (pid > 0)
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
                WaitForExit(pid);
            }
            Libc.Close(stray);
        }
    }

    private static void WaitForExit(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"process {pid} did not exit");
            Thread.Sleep(20);
        }
        // Reap it if it is our child; detached processes of a session leader are ours.
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            p.WaitForExit(5000);
        }
        catch (ArgumentException)
        {
        }
    }
}
