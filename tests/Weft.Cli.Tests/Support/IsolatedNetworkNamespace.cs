using System.Diagnostics;

namespace Weft.Cli.Tests.Support;

/// <summary>
/// A fresh network namespace that stands in for a sandbox's: `unshare --net sleep` holds it, and it is reached
/// through /proc/PID/ns/net, so nothing is mounted and killing the holder removes it. Needs root.
/// </summary>
public sealed class IsolatedNetworkNamespace : IDisposable
{
    private readonly Process _holder;

    public IsolatedNetworkNamespace()
    {
        _holder = Process.Start(new ProcessStartInfo("unshare", ["--net", "sleep", "60"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("unshare did not start");
        Path = $"/proc/{_holder.Id}/ns/net";
        Id = WaitUntilSeparate();
    }

    /// <summary>The namespace file to hand to the CLI as SandboxDetail.NetworkNamespace.</summary>
    public string Path { get; }

    /// <summary>The namespace's identity as readlink shows it, such as net:[4026532176].</summary>
    public string Id { get; }

    public static string IdOf(string path) => new FileInfo(path).LinkTarget ?? throw new InvalidOperationException($"{path} is not a namespace link");

    public void Dispose()
    {
        _holder.Kill();
        _holder.WaitForExit();
        _holder.Dispose();
    }

    /// <summary>`unshare` execs sleep only once it has its namespace; until then the pid still shows ours.</summary>
    private string WaitUntilSeparate()
    {
        var ours = IdOf("/proc/self/ns/net");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (new FileInfo($"/proc/{_holder.Id}/exe").LinkTarget?.EndsWith("/sleep", StringComparison.Ordinal) == true
                && IdOf(Path) is var theirs && theirs != ours)
            {
                return theirs;
            }

            Thread.Sleep(10);
        }

        throw new InvalidOperationException("unshare --net did not give sleep a namespace of its own");
    }
}
