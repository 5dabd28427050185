using System.Net;
using System.Text;
using Weft.Agent.Dns;
using Weft.Agent.State;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.Linux.Namespaces;

namespace Weft.Agent.Sandboxes;

/// <summary>
/// A sandbox's /etc/hosts and /etc/resolv.conf, kept in its directory and bound over the host's inside the
/// sandbox's own mount namespace (<see cref="Setup"/>). They are rewritten in place, never replaced, because a
/// bind mount holds the file itself: a new file would go unseen by the running sandbox.
/// </summary>
/// <remarks>
/// A sandbox in the host's namespace (a host network) gets what Docker gives a `--network host` container: the
/// host's resolv.conf unchanged (no Weft DNS listens there) and the host's /etc/hosts with its --add-host entries
/// after it, a copy taken when the file is written.
/// </remarks>
public static class SandboxFiles
{
    public const string HostsFile = "hosts";
    public const string ResolvConfFile = "resolv.conf";

    /// <param name="dnsAddress">Where a network's sandboxes send DNS queries (its driver says); null for none.</param>
    /// <param name="hostHosts">The host's /etc/hosts, which a sandbox in the host's namespace starts from; ignored for others.</param>
    public static void Write(string directory, SandboxRecord sandbox, IReadOnlyList<EndpointRecord> endpoints, ClusterSnapshot snapshot,
        Func<NetworkRecord, IPAddress?> dnsAddress, string hostResolvConf, string hostHosts = "")
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(dnsAddress);
        ArgumentNullException.ThrowIfNull(hostHosts);
        Directory.CreateDirectory(directory);
        var hosts = new StringBuilder();
        if (SandboxRules.SharesHostNamespace(sandbox))
        {
            hosts.Append(hostHosts);
            if (hostHosts.Length > 0 && !hostHosts.EndsWith('\n'))
            {
                hosts.Append('\n');
            }
        }
        else
        {
            hosts.Append("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        }
        foreach (var e in endpoints.Where(e => e.Address is not null))
        {
            var names = new[] { sandbox.Hostname, sandbox.Name }.OfType<string>().Distinct(StringComparer.Ordinal);
            hosts.Append($"{e.Address}\t{string.Join(' ', names)}\n");
        }
        foreach (var entry in sandbox.ExtraHosts)
        {
            hosts.Append($"{entry.Address}\t{entry.Name}\n");
        }
        File.WriteAllText(Path.Combine(directory, HostsFile), hosts.ToString());

        // The first network (lowest ethN) that has a DNS server is the one the sandbox asks.
        var dns = endpoints
            .OrderBy(e => InterfaceOrder.IndexOf(e.InterfaceName))
            .Select(e => snapshot.NetworkById(e.NetworkId))
            .OfType<NetworkRecord>()
            .Select(n => (n.Name, Server: dnsAddress(n)))
            .FirstOrDefault(d => d.Server is not null);
        var resolvConf = SandboxResolvConf.Render(dns.Server, dns.Name, hostResolvConf);
        File.WriteAllText(Path.Combine(directory, ResolvConfFile), resolvConf);
    }

    /// <summary>What the sandbox's processes see: its hostname, and its files over the host's.</summary>
    public static SandboxSetup Setup(string directory, string? hostname) => new(hostname,
    [
        new FileBind(Path.Combine(directory, ResolvConfFile), "/etc/resolv.conf"),
        new FileBind(Path.Combine(directory, HostsFile), "/etc/hosts"),
    ]);

    /// <summary>One of the host's files (/etc/resolv.conf, /etc/hosts) that a sandbox's start from, or nothing when the host has none.</summary>
    public static string ReadHostFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    public const string EnvironmentFile = "environment";

    /// <summary>The environment `run -d` gave the command, NAME=VALUE entries each ended by a NUL (as /proc/PID/environ), readable by root only.</summary>
    public static void WriteEnvironment(string directory, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, EnvironmentFile);
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        var text = string.Concat(environment.Select(e => $"{e.Key}={e.Value}\0"));
        file.Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>What <see cref="WriteEnvironment"/> kept; empty when there is no file (a sandbox made before it existed).</summary>
    public static Dictionary<string, string> ReadEnvironment(string directory)
    {
        var path = Path.Combine(directory, EnvironmentFile);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return result;
        }
        foreach (var entry in File.ReadAllText(path).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0)
            {
                result[entry[..separator]] = entry[(separator + 1)..];
            }
        }
        return result;
    }

    public static void Delete(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
