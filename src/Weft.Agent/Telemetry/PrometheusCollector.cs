using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Weft.Agent.Telemetry;

/// <summary>
/// Collects the measurements of Weft's meters (<see cref="System.Diagnostics.Metrics"/>) through a
/// <see cref="MeterListener"/> and writes them in the Prometheus text exposition format (0.0.4). Weft's own writer:
/// OpenTelemetry's Prometheus exporter is still a pre-release and brings the OpenTelemetry SDK with it, while this is
/// one small file with no reflection, which NativeAOT compiles as it is (docs/decisions.md, "Metrics").
/// </summary>
/// <remarks>
/// Names: dots become underscores, counters end in <c>_total</c>, and a unit of <c>s</c> or <c>By</c> adds
/// <c>_seconds</c> or <c>_bytes</c>, as Prometheus expects. Counters and up-down counters add up their measurements;
/// observable instruments and gauges keep the last value their callback gave; histograms count into the buckets their
/// instrument advises (or Prometheus's default ones).
/// </remarks>
public sealed class PrometheusCollector : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly List<Series> _series = [];

    /// <param name="meterNames">The meters to collect; instruments of any other meter are ignored.</param>
    public PrometheusCollector(IReadOnlyCollection<string> meterNames)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meterNames.Contains(instrument.Meter.Name))
            {
                var series = new Series(instrument);
                lock (_lock)
                {
                    _series.Add(series);
                }
                listener.EnableMeasurementEvents(instrument, series);
            }
        };
        _listener.MeasurementsCompleted = (_, state) =>
        {
            lock (_lock)
            {
                _series.Remove((Series)state!);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Runs the observable instruments' callbacks, then writes every series.</summary>
    public string Collect()
    {
        Series[] all;
        lock (_lock)
        {
            all = [.. _series];
        }
        foreach (var series in all)
        {
            series.BeginCollect();
        }
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in all.GroupBy(s => s.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First();
            text.Append("# HELP ").Append(group.Key).Append(' ').Append(EscapeHelp(first.Description)).Append('\n');
            text.Append("# TYPE ").Append(group.Key).Append(' ').Append(first.Type).Append('\n');
            foreach (var series in group)
            {
                series.Write(text);
            }
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private static string EscapeHelp(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeLabel(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The label set of one measurement, rendered once: <c>{a="1",b="2"}</c> (sorted), or empty.</summary>
    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }
        var pairs = new List<KeyValuePair<string, object?>>(tags.Length);
        foreach (var tag in tags)
        {
            pairs.Add(tag);
        }
        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }
            text.Append(key.Replace('.', '_')).Append("=\"")
                .Append(EscapeLabel(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")).Append('"');
        }
        return text.Append('}').ToString();
    }

    /// <summary>One instrument: its Prometheus name and type, and its value per label set.</summary>
    private sealed class Series
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, HistogramState> _histograms = new(StringComparer.Ordinal);
        private readonly bool _cumulative;
        private readonly bool _observable;
        private readonly double[]? _buckets;

        public Series(Instrument instrument)
        {
            var counter = instrument is Counter<long> or Counter<int> or Counter<double>
                or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;
            var histogram = instrument is Histogram<double> or Histogram<long> or Histogram<int>;
            Type = histogram ? "histogram" : counter ? "counter" : "gauge";
            // Counters and up-down counters report increments; everything observed, and gauges, report the value itself.
            _cumulative = instrument is Counter<long> or Counter<int> or Counter<double>
                or UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double>;
            _observable = instrument.IsObservable;
            _buckets = histogram ? (instrument is Histogram<double> h ? h.Advice?.HistogramBucketBoundaries?.ToArray() : null) ?? DefaultBuckets : null;
            var name = instrument.Name.Replace('.', '_').Replace('-', '_');
            name += instrument.Unit switch
            {
                "s" when !name.EndsWith("_seconds", StringComparison.Ordinal) => "_seconds",
                "By" when !name.EndsWith("_bytes", StringComparison.Ordinal) => "_bytes",
                _ => "",
            };
            Name = counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
            Description = instrument.Description ?? instrument.Name;
        }

        public string Name { get; }

        public string Type { get; }

        public string Description { get; }

        /// <summary>An observable instrument reports every label set it still has at each collection: forget the ones it dropped.</summary>
        public void BeginCollect()
        {
            if (_observable)
            {
                lock (_lock)
                {
                    _values.Clear();
                }
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = Labels(tags);
            lock (_lock)
            {
                if (_buckets is not null)
                {
                    if (!_histograms.TryGetValue(labels, out var h))
                    {
                        _histograms[labels] = h = new HistogramState(_buckets.Length);
                    }
                    var i = Array.FindIndex(_buckets, b => value <= b);
                    h.Counts[i < 0 ? _buckets.Length : i]++;
                    h.Sum += value;
                    h.Count++;
                }
                else if (_cumulative)
                {
                    _values[labels] = _values.GetValueOrDefault(labels) + value;
                }
                else
                {
                    _values[labels] = value;
                }
            }
        }

        public void Write(StringBuilder text)
        {
            lock (_lock)
            {
                foreach (var (labels, value) in _values.OrderBy(v => v.Key, StringComparer.Ordinal))
                {
                    text.Append(Name).Append(labels).Append(' ').Append(Number(value)).Append('\n');
                }
                foreach (var (labels, h) in _histograms.OrderBy(v => v.Key, StringComparer.Ordinal))
                {
                    long cumulative = 0;
                    for (var i = 0; i <= _buckets!.Length; i++)
                    {
                        cumulative += h.Counts[i];
                        var le = i < _buckets.Length ? Number(_buckets[i]) : "+Inf";
                        var bucketLabels = labels.Length == 0 ? $"{{le=\"{le}\"}}" : $"{labels[..^1]},le=\"{le}\"}}";
                        text.Append(Name).Append("_bucket").Append(bucketLabels).Append(' ').Append(cumulative).Append('\n');
                    }
                    text.Append(Name).Append("_sum").Append(labels).Append(' ').Append(Number(h.Sum)).Append('\n');
                    text.Append(Name).Append("_count").Append(labels).Append(' ').Append(h.Count).Append('\n');
                }
            }
        }
    }

    private sealed class HistogramState(int buckets)
    {
        public long[] Counts { get; } = new long[buckets + 1];

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
