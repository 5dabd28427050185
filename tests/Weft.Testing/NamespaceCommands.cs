using System.Diagnostics;
using System.Net;
using Weft.Linux.Namespaces;

namespace Weft.Testing;

/// <summary>Tools run inside a test's namespace, the way a user checks a network: ping, bridge, ip.</summary>
public static class NamespaceCommands
{
    /// <summary>Runs a command inside a namespace; returns its exit code and output. Fails after 15 s.</summary>
    public static (int ExitCode, string Output) Exec(NetworkNamespace ns, string file, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = ns.StartProcess(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
        {
            process.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', args)} in {ns.Name} did not finish");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>One ICMP echo with a 2 s deadline, from inside <paramref name="from"/>.</summary>
    public static (int ExitCode, string Output) Ping(NetworkNamespace from, IPAddress to, params string[] extra) =>
        Exec(from, "ping", ["-c1", "-W2", .. extra, to.ToString()]);

    public static void AssertPings(NetworkNamespace from, IPAddress to, params string[] extra)
    {
        ArgumentNullException.ThrowIfNull(from);
        var (code, output) = Ping(from, to, extra);
        Assert.True(code == 0, $"ping {to} from {from.Name} failed with {code}: {output}");
    }

    public static void AssertDoesNotPing(NetworkNamespace from, IPAddress to)
    {
        ArgumentNullException.ThrowIfNull(from);
        var (code, output) = Ping(from, to);
        Assert.True(code != 0, $"ping {to} from {from.Name} should have failed: {output}");
    }
}
