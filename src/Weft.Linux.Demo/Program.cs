using System.Runtime.InteropServices;
using Weft.Linux.Demo;
using Weft.Linux.Routing;

// weft-kernel-demo: builds the seed experiment's two-host VXLAN overlay in network namespaces through
// Weft's own netlink layer, pings across it, shows what it installed and removes everything again.
// Exits non-zero if any step fails; Ctrl-C or SIGTERM stops it and still cleans up.

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

const string prefix = "weftdemo-";
var exitCode = 0;
SeedOverlay? overlay = null;
try
{
    Console.WriteLine("== building the two-host seed overlay");
    overlay = SeedOverlay.Build(prefix, line => Console.WriteLine("  " + line), cancel.Token);

    foreach (var from in overlay.Hosts)
    {
        var to = overlay.Hosts.First(h => h != from);
        Console.WriteLine($"== ping from container {from.Number} ({from.ContainerAddress}) to container {to.Number} ({to.ContainerAddress})");
        var (code, output) = SeedOverlay.Ping(from, to);
        foreach (var line in output.TrimEnd().Split('\n'))
        {
            Console.WriteLine("  | " + line);
        }

        if (code != 0)
        {
            Console.WriteLine($"  ping failed with exit code {code}");
            exitCode = 1;
        }
    }

    foreach (var host in overlay.Hosts)
    {
        Console.WriteLine($"== host {host.Number}: what Weft installed on {SeedOverlay.VxlanName} in {host.Overlay.Name}");
        using var links = host.Overlay.OpenNetlink();
        var vxlan = links.GetLink(SeedOverlay.VxlanName).Index;
        foreach (var fdb in links.ListFdb(vxlan).Where(e => e.Destination is not null))
        {
            Console.WriteLine($"  fdb   {fdb.MacAddress.ToText()} dst {fdb.Destination} self {fdb.State.ToString().ToLowerInvariant()}");
        }

        foreach (var neighbor in links.ListNeighbors(vxlan).Where(n => n.State == NeighborState.Permanent))
        {
            Console.WriteLine($"  neigh {neighbor.Address} lladdr {neighbor.MacAddress.ToText()} {neighbor.State.ToString().ToLowerInvariant()}");
        }
    }
}
catch (OperationCanceledException)
{
    Console.WriteLine("== interrupted");
    exitCode = 130;
}
catch (Exception e) when (e is Weft.Linux.KernelException or ArgumentException or IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
{
    Console.Error.WriteLine($"demo failed: {e.Message}");
    exitCode = 1;
}
finally
{
    Console.WriteLine("== tearing down");
    overlay?.Dispose();
    var left = Weft.Linux.Namespaces.NetworkNamespace.List().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    if (left.Count > 0)
    {
        Console.Error.WriteLine($"left behind: {string.Join(", ", left)}");
        exitCode = exitCode == 0 ? 1 : exitCode;
    }
    else
    {
        Console.WriteLine("  all weftdemo- namespaces removed");
    }
}

return exitCode;
