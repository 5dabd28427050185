using System.Collections.Concurrent;
using System.Net;

namespace Weft.Dns;

/// <summary>
/// A token bucket per client address: <c>burst</c> queries at once, then <c>perSecond</c>. One client flooding
/// the server spends its own tokens only, so the others are still answered.
/// </summary>
/// <remarks>
/// Memory is bounded: past <see cref="MaxClients"/> addresses, buckets that have refilled (idle clients) are
/// swept, at most once a second; if the table is still full, the newcomers share one bucket, so even a flood from
/// spoofed addresses cannot grow the table or take the known clients' tokens.
/// </remarks>
public sealed class ClientRateLimiter
{
    public const int MaxClients = 65536;

    private readonly double _perSecond;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<IPAddress, Bucket> _buckets = new();
    private readonly Bucket _overflow;
    private long _lastSweep;
    private int _count;

    /// <param name="perSecond">Sustained rate; 0 or less = unlimited.</param>
    /// <param name="burst">Bucket size; at least 1.</param>
    public ClientRateLimiter(int perSecond, int burst, TimeProvider? time = null)
    {
        _perSecond = perSecond;
        _burst = Math.Max(1, burst);
        _time = time ?? TimeProvider.System;
        _overflow = new Bucket(_burst, _time.GetTimestamp());
        _lastSweep = _time.GetTimestamp();
    }

    public bool Unlimited => _perSecond <= 0;

    /// <summary>Takes one token for <paramref name="client"/>; false = over its rate, drop the query.</summary>
    public bool TryAcquire(IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (Unlimited)
        {
            return true;
        }
        var now = _time.GetTimestamp();
        if (!_buckets.TryGetValue(client, out var bucket))
        {
            // Our own count: ConcurrentDictionary.Count takes every lock, too slow for a flood of new addresses.
            if (Volatile.Read(ref _count) >= MaxClients)
            {
                Sweep(now);
            }
            bucket = _overflow;
            if (Volatile.Read(ref _count) < MaxClients)
            {
                var fresh = new Bucket(_burst, now);
                if (_buckets.TryAdd(client, fresh))
                {
                    Interlocked.Increment(ref _count);
                    bucket = fresh;
                }
                else if (_buckets.TryGetValue(client, out var raced))
                {
                    bucket = raced;
                }
            }
        }
        return bucket.TryTake(now, _perSecond, _burst, _time.TimestampFrequency);
    }

    private void Sweep(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < _time.TimestampFrequency || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }
        foreach (var (address, bucket) in _buckets)
        {
            if (bucket.IsFull(now, _perSecond, _burst, _time.TimestampFrequency) && _buckets.TryRemove(address, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        private readonly Lock _lock = new();
        private double _tokens = tokens;
        private long _stamp = stamp;

        public bool TryTake(long now, double perSecond, double burst, long frequency)
        {
            lock (_lock)
            {
                Refill(now, perSecond, burst, frequency);
                if (_tokens < 1)
                {
                    return false;
                }
                _tokens--;
                return true;
            }
        }

        public bool IsFull(long now, double perSecond, double burst, long frequency)
        {
            lock (_lock)
            {
                Refill(now, perSecond, burst, frequency);
                return _tokens >= burst;
            }
        }

        private void Refill(long now, double perSecond, double burst, long frequency)
        {
            if (now > _stamp)
            {
                _tokens = Math.Min(burst, _tokens + (now - _stamp) * perSecond / frequency);
                _stamp = now;
            }
        }
    }
}
