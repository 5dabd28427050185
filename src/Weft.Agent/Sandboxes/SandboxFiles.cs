using System.Text;
using Weft.Cluster;
using Weft.Core.Model;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// A sandbox's /etc/hosts, written where tools can find it (and where name resolution will bind it in):
/// localhost, its own names, and its --add-host entries.
/// </summary>
public static class SandboxFiles
{
    public static void Write(string directory, SandboxRecord sandbox, IReadOnlyList<EndpointRecord> endpoints)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(endpoints);
        Directory.CreateDirectory(directory);
        var hosts = new StringBuilder();
        hosts.Append("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        foreach (var e in endpoints.Where(e => e.Address is not null))
        {
            var names = new[] { sandbox.Hostname, sandbox.Name }.OfType<string>().Distinct(StringComparer.Ordinal);
            hosts.Append($"{e.Address}\t{string.Join(' ', names)}\n");
        }
        foreach (var entry in sandbox.ExtraHosts)
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            hosts.Append($"{entry[(colon + 1)..]}\t{entry[..colon]}\n");
        }
        File.WriteAllText(Path.Combine(directory, "hosts"), hosts.ToString());
    }

    public static void Delete(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
