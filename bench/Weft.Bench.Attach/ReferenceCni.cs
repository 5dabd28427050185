using System.Diagnostics;
using System.Security.Cryptography;
using Weft.Linux.Namespaces;

namespace Weft.Bench;

/// <summary>One CNI call as a runtime makes it: CNI_* in the environment, the config on stdin; throws with the plugin's output when it fails.</summary>
public static class CniCall
{
    public static async Task RunAsync(string plugin, string command, string containerId, string netnsPath, string config, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(plugin)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["CNI_COMMAND"] = command;
        psi.Environment["CNI_CONTAINERID"] = containerId;
        psi.Environment["CNI_NETNS"] = netnsPath;
        psi.Environment["CNI_IFNAME"] = "eth0";
        psi.Environment["CNI_PATH"] = ReferenceBridge.PluginDirectory;
        using var p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync(config.AsMemory(), ct);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(plugin)} {command} for {containerId}: exit {p.ExitCode}: {(await output).Trim()} {(await error).Trim()}");
        }
    }

    /// <summary>The namespace's eth0 exists, is up and has an IPv4 address: what "network ready" means on every side.</summary>
    public static void RequireReady(string namespacePath, string what)
    {
        using var ns = NetworkNamespace.OpenPath(namespacePath);
        using var nl = ns.OpenNetlink();
        var eth0 = nl.GetLink("eth0");
        if (!eth0.Up || !nl.ListAddresses(eth0.Index).Any(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
        {
            throw new InvalidOperationException($"{what}: eth0 is not up and addressed when attach returned");
        }
    }
}

/// <summary>
/// The benchmarks' CNI peer: the reference plugins from Debian's containernetworking-plugins, /usr/lib/cni/bridge with
/// host-local IPAM, in the root namespace. Its bridge gets a "wtt…" name and a free 10.235.x.0/24; Dispose removes the
/// bridge and the IPAM directory and restores the ip_forward sysctl the bridge plugin turns on (the caller removes its
/// namespaces).
/// </summary>
public sealed class ReferenceBridge : IDisposable
{
    public const string PluginDirectory = "/usr/lib/cni";
    private const string IpForward = "/proc/sys/net/ipv4/ip_forward";
    private readonly string _forwardingBefore = File.ReadAllText(IpForward).Trim();

    public ReferenceBridge()
    {
        Name = $"wtt{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";
        Subnet = FreeSubnet();
    }

    /// <summary>Why the peer cannot run here, or null.</summary>
    public static string? Problem =>
        File.Exists(Path.Combine(PluginDirectory, "bridge")) && File.Exists(Path.Combine(PluginDirectory, "host-local"))
            ? null
            : $"the peer needs {PluginDirectory}/bridge and host-local (apt-get install containernetworking-plugins)";

    /// <summary>The bridge's name, also the prefix of the caller's namespaces.</summary>
    public string Name { get; }

    public string Subnet { get; }

    public string Description => $"{PluginDirectory}/bridge + host-local, bridge {Name}, {Subnet}, isGateway, no masquerade";

    private string Config => $$$"""
        {"cniVersion":"1.0.0","name":"{{{Name}}}","type":"bridge","bridge":"{{{Name}}}","isGateway":true,"ipMasq":false,
         "ipam":{"type":"host-local","ranges":[[{"subnet":"{{{Subnet}}}"}]],"routes":[{"dst":"0.0.0.0/0"}]}}
        """;

    public Task RunAsync(string command, string ns, CancellationToken ct) =>
        CniCall.RunAsync(Path.Combine(PluginDirectory, "bridge"), command, ns, Path.Combine(NetworkNamespace.DefaultRunDirectory, ns), Config, ct);

    public void Dispose()
    {
        using (var root = NetworkNamespace.OpenCurrent())
        using (var nl = root.OpenNetlink())
        {
            if (nl.ListLinks().Any(l => l.Name == Name))
            {
                nl.DeleteLink(Name);
            }
        }
        var ipam = Path.Combine("/var/lib/cni/networks", Name);
        if (Directory.Exists(ipam))
        {
            Directory.Delete(ipam, recursive: true);
        }
        File.WriteAllText(IpForward, _forwardingBefore);
    }

    // A 10.235.x.0/24 that no address in the root namespace touches yet.
    private static string FreeSubnet()
    {
        using var root = NetworkNamespace.OpenCurrent();
        using var nl = root.OpenNetlink();
        var taken = nl.ListAddresses().Select(a => a.Address.ToString()).ToHashSet(StringComparer.Ordinal);
        for (var third = 1 + RandomNumberGenerator.GetInt32(200); ; third = (third % 254) + 1)
        {
            var prefix = $"10.235.{third}.";
            if (!taken.Any(a => a.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return $"{prefix}0/24";
            }
        }
    }
}
