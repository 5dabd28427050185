using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Weft.Bench;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Routing;

// bench/run netlink: installs 10,000 FDB and 10,000 neighbour entries on a VXLAN device through Weft
// (pipelined netlink batches) and through iproute2's batch mode (`bridge -batch`, `ip -batch`), each in
// a throw-away namespace of its own, then dumps them both ways. iproute2 is the peer, so this is the one
// place that shells out to it. Namespaces are removed at the end, also on failure or Ctrl-C.

const int Entries = 10_000;
var runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
var weftName = $"wtt{runId}-bw";
var peerName = $"wtt{runId}-bp";
var created = new List<string>();
var workDir = Directory.CreateTempSubdirectory("weft-bench-netlink-");

void Cleanup()
{
    lock (created)
    {
        foreach (var name in created)
        {
            try
            {
                NetworkNamespace.Delete(name);
            }
            catch (KernelException e)
            {
                Console.Error.WriteLine($"cleanup: {e.Message}");
            }
        }

        created.Clear();
        workDir.Delete(recursive: true);
    }
}

Console.CancelKeyPress += (_, _) => Cleanup();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Cleanup());

try
{
    Console.WriteLine($"netlink: {Entries} FDB + {Entries} neighbour entries on a VXLAN device, Weft vs iproute2 batch");
    var (weftNs, weftVx) = Prepare(weftName);
    var (peerNs, peerVx) = Prepare(peerName);
    using (weftNs)
    using (peerNs)
    using (var weft = weftNs.OpenNetlink())
    using (var peerCheck = peerNs.OpenNetlink())
    {
        // ---- iproute2 in batch mode: one process per table, one request and ack per line.
        var fdbFile = Path.Combine(workDir.FullName, "fdb.batch");
        var neighFile = Path.Combine(workDir.FullName, "neigh.batch");
        File.WriteAllLines(fdbFile, Enumerable.Range(0, Entries).Select(i => $"fdb replace {Mac(i).ToText()} dev vx0 dst {Remote(i)} self permanent"));
        File.WriteAllLines(neighFile, Enumerable.Range(0, Entries).Select(i => $"neigh replace {Overlay(i)} lladdr {Mac(i).ToText()} dev vx0 nud permanent"));
        var peerFdb = Time(() => Run("bridge", "-batch", fdbFile));
        var peerNeigh = Time(() => Run("ip", "-batch", neighFile));

        // ---- Weft: pipelined batches, one ack per window.
        var weftFdb = Time(() =>
        {
            var batch = weft.CreateBatch();
            for (var i = 0; i < Entries; i++)
            {
                batch.ReplaceFdb(new FdbEntry(weftVx, Mac(i)) { Destination = Remote(i) });
            }

            batch.Complete().ThrowIfFailed();
        });
        var weftNeigh = Time(() =>
        {
            var batch = weft.CreateBatch();
            for (var i = 0; i < Entries; i++)
            {
                batch.ReplaceNeighbor(new Neighbor(weftVx, Overlay(i)) { MacAddress = Mac(i) });
            }

            batch.Complete().ThrowIfFailed();
        });

        // Both sides must really have installed everything, read back through the kernel.
        Check("weft fdb", OwnFdb(weft, weftVx), Entries);
        Check("peer fdb", OwnFdb(peerCheck, peerVx), Entries);
        Check("weft neigh", weft.ListNeighbors(weftVx, AddressFamily.InterNetwork).Count, Entries);
        Check("peer neigh", peerCheck.ListNeighbors(peerVx, AddressFamily.InterNetwork).Count, Entries);

        // ---- dumps of the same 10,000 FDB entries.
        var dumped = 0;
        var weftDump = Time(() => dumped = OwnFdb(weft, weftVx));
        Check("weft fdb dump", dumped, Entries);
        var peerLines = 0;
        var peerDump = Time(() => peerLines = Run("bridge", "fdb", "show", "dev", "vx0").Count(line => line.Contains(" dst ", StringComparison.Ordinal)));
        Check("peer fdb dump", peerLines, Entries);
        var weftNeighDump = Time(() => dumped = weft.ListNeighbors(weftVx, AddressFamily.InterNetwork).Count);
        var peerNeighDump = Time(() => peerLines = Run("ip", "neigh", "show", "dev", "vx0").Length);

        BenchResult.Figure("weft fdb install (entries/s)", Entries / weftFdb, "entries/s");
        BenchResult.Figure("iproute2 bridge -batch fdb install (entries/s)", Entries / peerFdb, "entries/s");
        BenchResult.Figure("weft neigh install (entries/s)", Entries / weftNeigh, "entries/s");
        BenchResult.Figure("iproute2 ip -batch neigh install (entries/s)", Entries / peerNeigh, "entries/s");
        BenchResult.Figure("weft fdb dump of 10,000 (ms)", weftDump * 1000, "ms");
        BenchResult.Figure("weft fdb dump (entries/s)", Entries / weftDump, "entries/s");
        BenchResult.Figure("iproute2 bridge fdb show of 10,000 (ms)", peerDump * 1000, "ms");
        BenchResult.Figure("iproute2 bridge fdb show (entries/s)", Entries / peerDump, "entries/s");
        BenchResult.Figure("weft neigh dump of 10,000 (ms)", weftNeighDump * 1000, "ms");
        BenchResult.Figure("iproute2 ip neigh show of 10,000 (ms)", peerNeighDump * 1000, "ms");

        var weftRate = 2.0 * Entries / (weftFdb + weftNeigh);
        var peerRate = 2.0 * Entries / (peerFdb + peerNeigh);
        BenchResult.Figure("weft fdb+neigh install (entries/s)", weftRate, "entries/s");
        BenchResult.Figure("iproute2 fdb+neigh install (entries/s)", peerRate, "entries/s");
        BenchResult.Print("netlink", "fdb+neigh install entries/s", weftRate, peerRate, higherIsBetter: true);
    }

    return 0;
}
catch (Exception e) when (e is KernelException or InvalidOperationException or IOException or ArgumentException)
{
    Console.Error.WriteLine($"bench netlink failed: {e.Message}");
    return 1;
}
finally
{
    Cleanup();
}

// A namespace with an underlay (a bridge: this kernel has no dummy driver) and the VXLAN device.
(NetworkNamespace Ns, int Vxlan) Prepare(string name)
{
    var ns = NetworkNamespace.Create(name);
    lock (created)
    {
        created.Add(name);
    }

    using var nl = ns.OpenNetlink();
    var underlay = nl.AddLink(new Bridge { Name = "ul0", Up = true });
    nl.AddAddress("ul0", IPAddress.Parse("198.18.0.1"), 24);
    var vx = nl.AddLink(new Vxlan
    {
        Name = "vx0",
        Vni = 256,
        Local = IPAddress.Parse("198.18.0.1"),
        UnderlayIndex = underlay.Index,
        Learning = false,
        Proxy = true,
        Up = true,
    });
    return (ns, vx.Index);
}

// iproute2 runs inside the namespace through `ip netns exec`, as an operator would run it.
string[] Run(string tool, params string[] args)
{
    var start = new ProcessStartInfo("ip", ["netns", "exec", peerName, tool, .. args])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
    var stderr = process.StandardError.ReadToEndAsync();
    var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result}");
    }

    return lines;
}

static double Time(Action action)
{
    var watch = Stopwatch.StartNew();
    action();
    return watch.Elapsed.TotalSeconds;
}

static void Check(string what, int actual, int expected)
{
    if (actual != expected)
    {
        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected} entries, found {actual}"));
    }
}

static int OwnFdb(NetlinkHandle nl, int vxlan) =>
    nl.ListFdb(vxlan).Count(e => e.Destination is not null && e.Flags.HasFlag(NeighborFlags.Self));

static PhysicalAddress Mac(int i) => new([0x02, 0x00, 0x00, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);

// Remote VTEPs inside 198.18.0.0/15 only; no packet is ever sent to them.
static IPAddress Remote(int i) => new([198, 18, (byte)(1 + (i >> 8)), (byte)i]);

static IPAddress Overlay(int i) => new([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);
