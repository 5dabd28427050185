using System.Diagnostics.Metrics;
using Weft.Agent.Telemetry;

namespace Weft.Agent.Tests;

/// <summary>Weft's own Prometheus writer: the names, types and values a scraper expects from System.Diagnostics.Metrics instruments.</summary>
public sealed class PrometheusCollectorTests : IDisposable
{
    private readonly string _meterName = "Weft.Test." + Guid.NewGuid().ToString("N");
    private readonly Meter _meter;

    public PrometheusCollectorTests() => _meter = new Meter(_meterName);

    public void Dispose() => _meter.Dispose();

    [Fact]
    public void Counters_add_up_per_label_set_and_end_in_total()
    {
        using var collector = new PrometheusCollector([_meterName]);
        var requests = _meter.CreateCounter<long>("weft.api.requests", null, "Requests\nanswered");
        requests.Add(1, new("status", 200), new("route", "/v1/x"));
        requests.Add(2, new("route", "/v1/x"), new("status", 200));
        requests.Add(1, new("route", "/v1/\"y\""), new("status", 500));

        var text = collector.Collect();

        Assert.Contains("# HELP weft_api_requests_total Requests\\nanswered\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE weft_api_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("weft_api_requests_total{route=\"/v1/x\",status=\"200\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("weft_api_requests_total{route=\"/v1/\\\"y\\\"\",status=\"500\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Histograms_count_into_cumulative_buckets_with_sum_and_count_and_a_unit_suffix()
    {
        using var collector = new PrometheusCollector([_meterName]);
        var duration = _meter.CreateHistogram("weft.pass.duration", "s", "How long",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        duration.Record(0.05);
        duration.Record(0.5);
        duration.Record(5);

        var text = collector.Collect();

        Assert.Contains("# TYPE weft_pass_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("weft_pass_duration_seconds_bucket{le=\"0.1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("weft_pass_duration_seconds_bucket{le=\"1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("weft_pass_duration_seconds_bucket{le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("weft_pass_duration_seconds_sum 5.55\n", text, StringComparison.Ordinal);
        Assert.Contains("weft_pass_duration_seconds_count 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Observed_gauges_report_what_the_callback_gives_now_and_drop_label_sets_it_no_longer_gives()
    {
        using var collector = new PrometheusCollector([_meterName]);
        var networks = new List<string> { "a", "b" };
        _meter.CreateObservableGauge("weft.network.endpoints", () => networks.Select(n => new Measurement<long>(n.Length, new KeyValuePair<string, object?>("network", n))));
        _meter.CreateObservableGauge("process.resident_memory", () => 2048L, "By");

        var first = collector.Collect();
        networks.Remove("b");
        var second = collector.Collect();

        Assert.Contains("weft_network_endpoints{network=\"b\"} 1\n", first, StringComparison.Ordinal);
        Assert.Contains("weft_network_endpoints{network=\"a\"} 1\n", second, StringComparison.Ordinal);
        Assert.DoesNotContain("network=\"b\"", second, StringComparison.Ordinal);
        Assert.Contains("# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 2048\n", second, StringComparison.Ordinal);
    }

    [Fact]
    public void Meters_not_asked_for_are_not_collected()
    {
        using var other = new Meter("Weft.Test.Other." + Guid.NewGuid().ToString("N"));
        using var collector = new PrometheusCollector([_meterName]);
        other.CreateCounter<long>("weft.other").Add(1);
        Assert.DoesNotContain("weft_other", collector.Collect(), StringComparison.Ordinal);
    }
}
