using System.Diagnostics;
using System.Net;
using Weft.Linux.Firewall;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;

namespace Weft.Linux.Diagnostics;

/// <summary>One kernel feature Weft needs, and whether this kernel offered it when asked.</summary>
/// <param name="Name">vxlan, bridge, veth, nf_tables or netns.</param>
/// <param name="Available">Null when it could not be told (nf_tables without the nft tool and no loaded module).</param>
/// <param name="Detail">The kernel's refusal, or how it was told.</param>
public sealed record KernelFeature(string Name, bool? Available, string Detail);

/// <summary>
/// Asks the kernel itself, not a tool's opinion: creates a throw-away named network namespace where `ip netns` keeps
/// them (which is the netns check), and in it one link of each kind Weft makes, then removes it all.
/// </summary>
public static class KernelFeatures
{
    public static IReadOnlyList<KernelFeature> Check(string runDirectory = NetworkNamespace.DefaultRunDirectory)
    {
        var features = new List<KernelFeature>();
        var name = $"weft-doctor-{Environment.ProcessId}";
        NetworkNamespace netns;
        try
        {
            netns = NetworkNamespace.Create(name, runDirectory);
        }
        catch (KernelException e)
        {
            features.Add(new KernelFeature("netns", false, $"cannot create a namespace in {runDirectory}: {e.Message}"));
            return features;
        }
        try
        {
            features.Add(new KernelFeature("netns", true, $"created and removed a namespace in {runDirectory}"));
            features.Add(TryLink(netns, "vxlan", new Vxlan { Name = "doctor-vx", Vni = 1, Local = IPAddress.Loopback, Port = Vxlan.DefaultPort }));
            features.Add(TryLink(netns, "bridge", new Bridge { Name = "doctor-br" }));
            features.Add(TryLink(netns, "veth", new Veth { Name = "doctor-a", PeerName = "doctor-b" }));
            features.Add(NfTables(netns));
        }
        finally
        {
            netns.Dispose();
            NetworkNamespace.Delete(name, runDirectory);
        }
        return features;
    }

    private static KernelFeature TryLink(NetworkNamespace netns, string kind, Link link)
    {
        try
        {
            netns.Run(() =>
            {
                using var nl = NetlinkHandle.Open();
                nl.AddLink(link);
                nl.DeleteLink(link.Name);
            });
            return new KernelFeature(kind, true, $"created and deleted a {kind} link");
        }
        catch (KernelException e)
        {
            return new KernelFeature(kind, false, e.Message);
        }
    }

    /// <summary>
    /// `nft list tables` in the throw-away namespace: it asks the kernel's nf_tables over netlink and changes nothing.
    /// Without the tool, a loaded module is evidence enough.
    /// </summary>
    private static KernelFeature NfTables(NetworkNamespace netns)
    {
        if (Nftables.InstalledTool is not { } nft)
        {
            return Directory.Exists("/sys/module/nf_tables")
                ? new KernelFeature("nf_tables", true, "the nf_tables module is loaded (the nft tool is not installed)")
                : new KernelFeature("nf_tables", null, "the nft tool is not installed and the nf_tables module is not loaded");
        }
        var start = new ProcessStartInfo(nft) { ArgumentList = { "list", "tables" }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = netns.StartProcess(start);
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? new KernelFeature("nf_tables", true, "nft listed the tables of a new namespace")
            : new KernelFeature("nf_tables", false, $"nft list tables: {error.Trim()}");
    }
}
