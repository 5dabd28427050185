using System.Diagnostics.Metrics;

namespace Weft.Agent.Telemetry;

/// <summary>
/// The agent's event counters (meter <see cref="MeterName"/>): recorded where the events happen, collected only while
/// <c>--metrics-addr</c> serves them. The state the agent holds (entries, endpoints, the store, DNS) is observed at
/// scrape time instead, by <see cref="AgentObservations"/>.
/// </summary>
public static class AgentMeters
{
    public const string MeterName = "Weft.Agent";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> ReconcilePasses = Meter.CreateCounter<long>(
        "weft.reconcile.passes", null, "Reconcile passes run (each compares the desired state with this host's kernel)");

    public static readonly Counter<long> ReconcileErrors = Meter.CreateCounter<long>(
        "weft.reconcile.errors", null, "Networks a reconcile pass failed to apply (retried at the next pass)");

    public static readonly Histogram<double> ReconcileDuration = Meter.CreateHistogram(
        "weft.reconcile.duration", "s", "Time one reconcile pass took, kernel lock held",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    public static readonly Counter<long> KernelChanges = Meter.CreateCounter<long>(
        "weft.reconcile.changes", null, "Kernel objects the reconciler added or removed (op: added, removed)");

    public static readonly Counter<long> ApiRequests = Meter.CreateCounter<long>(
        "weft.api.requests", null, "Requests the local API answered, by method, route and status code");

    public static readonly Histogram<double> ApiDuration = Meter.CreateHistogram(
        "weft.api.request.duration", "s", "Time the local API took to answer, by method and route",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public static readonly Counter<long> SandboxExits = Meter.CreateCounter<long>(
        "weft.sandbox.exits", null, "Processes of this host's sandboxes that exited while their sandbox still existed");
}
