using System.Diagnostics;
using System.Net;
using Weft.Linux.Namespaces;

namespace Weft.Bench.Convergence;

/// <summary>One system under test: how it starts a sandbox on host A (the timed command) and removes it again.</summary>
internal interface IConvergenceSide
{
    /// <summary>Runs the `run -d` command on host A to completion; returns the timestamps of its start and its return, and why it failed if it did.</summary>
    Task<RunResult> RunAsync(string name, IPAddress address, CancellationToken ct);

    /// <summary>Removes the sandbox again, outside the timed part.</summary>
    Task RemoveAsync(string name, CancellationToken ct);
}

/// <summary>One `run -d`: Stopwatch timestamps of its start and return; <paramref name="Failure"/> is null when it exited 0.</summary>
internal sealed record RunResult(long Started, long Returned, string? Failure);

/// <summary>One side's counted trials, and the `run -d` commands that failed and were tried again with a fresh name and address.</summary>
internal sealed record Measured(List<Trial> Trials, List<string> Failures);

/// <summary>One trial, in milliseconds. Times "after return" are measured from the moment `run -d` returned, and are negative when the event came first.</summary>
internal sealed record Trial(double RunMs, double? PingableMs, double? NeighborMs, double? FdbMs);

/// <summary>The trial loop both sides share, so that the only difference between them is the system under test.</summary>
internal static class Trials
{
    /// <summary>How long a new sandbox may take to answer before the trial counts as a timeout.</summary>
    public static readonly TimeSpan PingLimit = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many `run -d` commands may fail per side before the run is abandoned. Docker 20.10's legacy overlay now
    /// and then (a few in 100 on a busy 2-core machine) fails one on its cluster store: "failed to update store for
    /// object type *libnetwork.endpointCnt: … dial tcp STORE:2379: connect: network is unreachable", although host A's
    /// eth0, its address and its route to the store were in place (checked when it happened; most likely the daemon
    /// dialled from a thread left in another network namespace), or "failed to get network from store during join:
    /// network … not found" for the network every other trial joins. Such a trial says nothing about convergence: it
    /// is reported, not timed, and tried again with a fresh name and address. The same rule holds for both sides.
    /// </summary>
    public static int FailureLimit(int count) => Math.Max(3, count / 10);

    public static async Task<Measured> MeasureAsync(IConvergenceSide side, string label, EchoProbe probe, EntryWatch entries,
        Func<int, IPAddress> addressOf, int warmup, int count, int maxAttempts, CancellationToken ct)
    {
        var trials = new List<Trial>();
        var failures = new List<string>();
        for (int attempt = 0, i = 0; i < warmup + count; attempt++)
        {
            if (attempt >= maxAttempts)
            {
                throw new InvalidOperationException($"{label}: no address left for trial {i} after {failures.Count} failed `run -d`: {failures[^1]}");
            }
            // Name and address follow the attempt, so that a failed one (which may leave a record behind) is never reused.
            var name = $"t{attempt}";
            var address = addressOf(attempt);
            var run = await side.RunAsync(name, address, ct);
            if (run.Failure is { } failure)
            {
                failures.Add(failure);
                Console.WriteLine($"  {label}: not counted, tried again with a fresh name and address: {failure}");
                if (failures.Count > FailureLimit(count))
                {
                    throw new InvalidOperationException($"{label}: {failures.Count} `run -d` commands failed (at most {FailureLimit(count)} allowed); the last: {failure}");
                }
                await RemoveQuietlyAsync(side, name, ct);
                probe.Forget(address);
                continue;
            }
            // Straight after the return, on this thread: the probe needs no thread or process to start first.
            var replied = probe.WaitForReply(address, PingLimit, ct);
            var (neighbor, fdb) = await entries.WaitForEntriesAsync(address, TimeSpan.FromSeconds(2), ct);
            var trial = new Trial(Ms(run.Started, run.Returned)!.Value, Ms(run.Returned, replied), Ms(run.Returned, neighbor), Ms(run.Returned, fdb));
            if (i >= warmup)
            {
                trials.Add(trial);
            }
            i++;
            if (replied is null)
            {
                Console.WriteLine($"  {label}: {name} ({address}) did not answer within {PingLimit.TotalSeconds:0} s");
            }

            // Untimed: remove it, wait until host B has withdrawn its entries, so that no trial overlaps the next.
            await side.RemoveAsync(name, ct);
            if (!await entries.WaitForRemovalAsync(address, TimeSpan.FromSeconds(5), ct))
            {
                Console.WriteLine($"  {label}: host B still had a neighbour entry for {address} 5 s after {name} was removed");
            }
            probe.Forget(address);
        }
        return new(trials, failures);
    }

    /// <summary>Removes what a failed `run -d` may have left (a created container, say); a failure here is only reported.</summary>
    private static async Task RemoveQuietlyAsync(IConvergenceSide side, string name, CancellationToken ct)
    {
        try
        {
            await side.RemoveAsync(name, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.WriteLine($"  removing {name} after its failed `run -d` failed too: {ErrorLine(e.Message)}");
        }
    }

    /// <summary>The line of a command's output that says what went wrong: the last one naming an error (docker follows it with "See 'docker run --help'."), else the last.</summary>
    public static string ErrorLine(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? lines.LastOrDefault() ?? "(no output)";
    }

    /// <summary>Prints one side's figures.</summary>
    public static void Report(string who, Measured measured)
    {
        var trials = measured.Trials;
        if (measured.Failures.Count > 0)
        {
            Console.WriteLine($"  {who}: {measured.Failures.Count} `run -d` failed (shown above), not timed, each tried again with a fresh name and address");
        }
        var pingable = Pingable(trials);
        BenchResult.Figure($"{who}: return → pingable from host B, p50", Stats.Median(pingable), "ms");
        BenchResult.Figure($"{who}: return → pingable from host B, p99", Stats.Percentile(pingable, 99), "ms");
        BenchResult.Figure($"{who}: return → pingable, min", pingable.Min(), "ms");
        var timeouts = trials.Count(t => t.PingableMs is null);
        if (timeouts > 0)
        {
            Console.WriteLine($"  {who}: {timeouts} of {trials.Count} trials never answered; counted as {PingLimit.TotalMilliseconds:0} ms");
        }
        Entry($"{who}: return → neighbour entry on host B", trials.Select(t => t.NeighborMs).ToList());
        Entry($"{who}: return → FDB entry on host B", trials.Select(t => t.FdbMs).ToList());
        BenchResult.Figure($"{who}: the `run -d` command itself, p50", Stats.Median(trials.Select(t => t.RunMs)), "ms");
        BenchResult.Figure($"{who}: the `run -d` command itself, p99", Stats.Percentile(trials.Select(t => t.RunMs), 99), "ms");
        Entry($"{who}: start → neighbour entry on host B", trials.Select(t => t.RunMs + t.NeighborMs).ToList());
        var fromStart = FromStart(trials);
        BenchResult.Figure($"{who}: start → pingable from host B, p50", Stats.Median(fromStart), "ms");
        BenchResult.Figure($"{who}: start → pingable from host B, p99", Stats.Percentile(fromStart, 99), "ms");
    }

    /// <summary>The measure: from the moment `run -d` returned until the first echo reply; a timeout counts as the limit.</summary>
    public static List<double> Pingable(IEnumerable<Trial> trials) =>
        [.. trials.Select(t => t.PingableMs ?? PingLimit.TotalMilliseconds)];

    /// <summary>The same end point measured from the moment the command was started: what a script that runs it and then connects waits.</summary>
    public static List<double> FromStart(IEnumerable<Trial> trials) =>
        [.. trials.Select(t => t.RunMs + (t.PingableMs ?? PingLimit.TotalMilliseconds))];

    // Negative values (the entry was there before the command returned) print as they are: "-300" reads as "300 ms early".
    private static void Entry(string label, List<double?> values)
    {
        var seen = values.OfType<double>().ToList();
        if (seen.Count == 0)
        {
            Console.WriteLine($"  {label}: never seen");
            return;
        }
        BenchResult.Figure($"{label}, p50", Stats.Median(seen), "ms");
        BenchResult.Figure($"{label}, p99", Stats.Percentile(seen, 99), "ms");
        if (seen.Count < values.Count)
        {
            Console.WriteLine($"  {label}: seen in {seen.Count} of {values.Count} trials");
        }
    }

    private static double? Ms(long from, long? to) =>
        to is { } t ? (t - from) * 1000.0 / Stopwatch.Frequency : null;

    /// <summary>Runs a command inside a namespace (null: this process's) and waits for it; its output is returned for error messages.</summary>
    public static async Task<(int Code, string Output, long Started, long Returned)> RunInAsync(NetworkNamespace? ns, IReadOnlyList<string> argv,
        IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        var started = Stopwatch.GetTimestamp();
        using var p = ns is null ? Process.Start(psi)! : ns.StartProcess(psi);
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            // Cancelled mid-command: the command must not outlive the run (nor go on making things behind the teardown).
            try
            {
                p.Kill();
                await p.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
            {
                // Already gone, or killed but slow to go: the namespace sweep of the teardown finds it.
            }
            throw;
        }
        var returned = Stopwatch.GetTimestamp();
        return (p.ExitCode, ((await stdout) + (await stderr)).Trim(), started, returned);
    }
}
