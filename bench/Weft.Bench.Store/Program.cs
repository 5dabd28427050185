using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Weft.Bench;
using Weft.Store;
using Weft.Testing;

// bench/run store: put/s, get/s and CAS/s from 8 concurrent clients, and put→event watch latency, for the etcd and
// the embedded backend; then etcd's own Go client (etcdctl check perf --load=s) against the same etcd as the peer.
const int Clients = 8;
var value = new byte[128];
Random.Shared.NextBytes(value);

await using var etcd = await EtcdServer.StartAsync("wtb-store");
var sqliteDir = Directory.CreateTempSubdirectory("wtb-store-");
try
{
    Console.WriteLine($"store benchmark: {Clients} clients, {value.Length}-byte values, etcd 3.4 at {etcd.ClientUrl}, sqlite in {sqliteDir.FullName}");
    var etcdPut = await RunBackendAsync("etcd", etcd.StoreUrl);
    var sqliteUrl = "sqlite://" + Path.Combine(sqliteDir.FullName, "store.db");
    await RunBackendAsync("sqlite", sqliteUrl);
    BenchResult.Figure("sqlite idle watch CPU (whole process, 3 s)", await IdleWatchCpuAsync(sqliteUrl), "% of a core");

    var peer = await EtcdCtlCheckPerfAsync(etcd.ClientUrl);
    BenchResult.Print("store", "etcd put/s (8 clients) vs etcdctl check perf", etcdPut, peer, higherIsBetter: true);
}
finally
{
    sqliteDir.Delete(recursive: true);
}

async Task<double> RunBackendAsync(string name, string url)
{
    var stores = new IClusterStore[Clients];
    for (var i = 0; i < Clients; i++) stores[i] = await ClusterStore.OpenAsync(url);
    try
    {
        // Warm up connections, JIT and the file before measuring.
        await Parallel.ForEachAsync(Enumerable.Range(0, Clients), async (c, ct) =>
        {
            for (var i = 0; i < 50; i++) await stores[c].PutAsync($"/bench/{c}/{i}", value, cancellationToken: ct);
        });

        var puts = await ThroughputAsync(TimeSpan.FromSeconds(5), (c, i) => stores[c].PutAsync($"/bench/{c}/{i % 1000}", value));
        BenchResult.Figure($"{name} put/s ({Clients} clients)", puts, "ops/s");
        var gets = await ThroughputAsync(TimeSpan.FromSeconds(3), (c, i) => stores[c].GetAsync($"/bench/{c}/{i % 50}"));
        BenchResult.Figure($"{name} get/s ({Clients} clients)", gets, "ops/s");
        var cas = await ThroughputAsync(TimeSpan.FromSeconds(5), async (c, i) =>
        {
            // One compare-and-swap: read the counter, write it back guarded by its mod revision.
            var key = $"/bench/cas/{c}";
            var current = await stores[c].GetAsync(key);
            var guard = current is null ? Compare.Absent(key) : Compare.ModRevisionIs(key, current.ModRevision);
            var result = await stores[c].TxnAsync(Txn.If(guard).Then(TxnOp.Put(key, value)));
            if (!result.Succeeded) throw new InvalidOperationException("uncontended CAS failed");
        });
        BenchResult.Figure($"{name} CAS/s (get + guarded txn, {Clients} clients)", cas, "ops/s");

        var (p50, p99) = await WatchLatencyAsync(stores[0], url, 300);
        BenchResult.Figure($"{name} watch latency put→event p50", p50, "ms");
        BenchResult.Figure($"{name} watch latency put→event p99", p99, "ms");
        return puts;
    }
    finally
    {
        foreach (var s in stores) await s.DisposeAsync();
    }
}

static async Task<double> ThroughputAsync(TimeSpan duration, Func<int, int, Task> op)
{
    var done = 0L;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
    {
        for (var i = 0; clock.Elapsed < duration; i++)
        {
            await op(c, i);
            Interlocked.Increment(ref done);
        }
    })));
    return done / clock.Elapsed.TotalSeconds;
}

static async Task<(double P50, double P99)> WatchLatencyAsync(IClusterStore writer, string url, int samples)
{
    await using var watcherStore = await ClusterStore.OpenAsync(url);
    var from = await writer.PutAsync("/bench/watch/start", ReadOnlyMemory<byte>.Empty) + 1;
    using var stop = new CancellationTokenSource();
    var events = System.Threading.Channels.Channel.CreateUnbounded<(string Key, long At)>();
    var pump = Task.Run(async () =>
    {
        try
        {
            await foreach (var e in watcherStore.WatchAsync("/bench/watch/", from, stop.Token))
                if (e.IsChange) events.Writer.TryWrite((e.Key, Stopwatch.GetTimestamp()));
        }
        catch (OperationCanceledException)
        {
        }
    });
    var latencies = new List<double>(samples);
    for (var i = 0; i < samples; i++)
    {
        // A random pause first, so puts do not fall into lock-step with the embedded store's poll timer (a closed
        // loop would otherwise always land just after a tick and measure the worst case every time).
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20)));
        var key = $"/bench/watch/{i}";
        var start = Stopwatch.GetTimestamp();
        await writer.PutAsync(key, "x"u8.ToArray());
        var (got, at) = await events.Reader.ReadAsync();
        if (got != key) throw new InvalidOperationException($"watch delivered {got}, expected {key}");
        latencies.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
    }
    await stop.CancelAsync();
    await pump;
    latencies.Sort();
    return (Percentile(latencies, 0.50), Percentile(latencies, 0.99));
}

// The embedded watch polls PRAGMA data_version; this shows what that costs while nothing changes.
static async Task<double> IdleWatchCpuAsync(string url)
{
    await using var store = await ClusterStore.OpenAsync(url);
    using var stop = new CancellationTokenSource();
    var pump = Task.Run(async () =>
    {
        try
        {
            await foreach (var _ in store.WatchAsync("/bench/idle/", 0, stop.Token)) { }
        }
        catch (OperationCanceledException)
        {
        }
    });
    await Task.Delay(500);
    using var self = Process.GetCurrentProcess();
    var cpu = self.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await Task.Delay(3000);
    self.Refresh();
    var percent = (self.TotalProcessorTime - cpu).TotalMilliseconds / clock.Elapsed.TotalMilliseconds * 100;
    await stop.CancelAsync();
    await pump;
    return percent;
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static async Task<double> EtcdCtlCheckPerfAsync(string endpoint)
{
    Console.WriteLine("peer: etcdctl check perf --load=s (Go gRPC client; about 60 s)");
    var psi = new ProcessStartInfo("/usr/bin/etcdctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    psi.ArgumentList.Add("--endpoints=" + endpoint);
    psi.ArgumentList.Add("check");
    psi.ArgumentList.Add("perf");
    psi.ArgumentList.Add("--load=s");
    psi.Environment["ETCDCTL_API"] = "3";
    using var process = Process.Start(psi)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    var text = await stdout + "\n" + await stderr;
    var throughput = Regex.Match(text, @"Throughput is (\d+(?:\.\d+)?) writes/s");
    if (!throughput.Success) throw new InvalidOperationException("cannot parse etcdctl check perf output:\n" + text);
    var writes = double.Parse(throughput.Groups[1].Value, CultureInfo.InvariantCulture);
    BenchResult.Figure("peer etcdctl check perf put/s (load=s: 50 clients)", writes, "ops/s");
    var slowest = Regex.Match(text, @"Slowest request took (\d+(?:\.\d+)?)s");
    if (slowest.Success)
        BenchResult.Figure("peer etcdctl check perf slowest put", double.Parse(slowest.Groups[1].Value, CultureInfo.InvariantCulture) * 1000, "ms");
    var stddev = Regex.Match(text, @"Stddev is (\d+(?:\.\d+)?)s");
    if (stddev.Success)
        BenchResult.Figure("peer etcdctl check perf latency stddev", double.Parse(stddev.Groups[1].Value, CultureInfo.InvariantCulture) * 1000, "ms");
    return writes;
}
