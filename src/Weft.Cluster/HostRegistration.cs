using Weft.Core.Model;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// Keeps this host's record alive on a lease: other hosts program its endpoints only while the record
/// exists, and withdraw them within the TTL after the agent dies. Every start bumps the incarnation, so a
/// late delete from an old life can be told apart. When the lease is lost (the store was unreachable for
/// a whole TTL) the host registers again on a new lease as soon as it can.
/// </summary>
public sealed class HostRegistration : IAsyncDisposable
{
    private readonly IClusterStore _store;
    private readonly HostIdentity _identity;
    private readonly string _agentVersion;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stop = new();
    private HeldLease? _lease;
    private Task _loop = Task.CompletedTask;
    private int _stopped;

    public HostRegistration(IClusterStore store, HostIdentity identity, string agentVersion, TimeSpan ttl, TimeProvider? clock = null)
    {
        _store = store;
        _identity = identity;
        _agentVersion = agentVersion;
        _ttl = ttl;
        _clock = clock ?? TimeProvider.System;
    }

    public long Incarnation { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    public bool Registered => _lease is { IsLost: false };

    /// <summary>Registers once (so the caller learns about a store that is down at once), then keeps the registration up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        StartedAt = _clock.GetUtcNow();
        Incarnation = await BumpIncarnationAsync(cancellationToken);
        await RegisterAsync(cancellationToken);
        _loop = Task.Run(() => KeepRegisteredAsync(_stop.Token), CancellationToken.None);
    }

    private async Task<long> BumpIncarnationAsync(CancellationToken cancellationToken)
    {
        var key = ClusterKeys.HostInfoOf(_identity.Id);
        while (true)
        {
            var kv = await _store.GetAsync(key, cancellationToken);
            var previous = kv is null ? null : RecordCodec.HostInfo(kv.Value);
            var info = new HostInfoRecord
            {
                Id = _identity.Id,
                Name = _identity.Name,
                UnderlayAddress = _identity.Underlay.Address.ToString(),
                Incarnation = (previous?.Incarnation ?? 0) + 1,
                Routes = _identity.Underlay.Routes,
                DownSince = null,
            };
            var guard = Compare.ModRevisionIs(key, kv?.ModRevision ?? 0);
            if ((await _store.TxnAsync(Txn.If(guard).Then(TxnOp.Put(key, RecordCodec.Encode(info))), cancellationToken)).Succeeded)
            {
                return info.Incarnation;
            }
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var lease = await _store.GrantHeldLeaseAsync(_ttl, cancellationToken);
        try
        {
            var record = new HostRecord
            {
                Id = _identity.Id,
                Name = _identity.Name,
                UnderlayAddress = _identity.Underlay.Address.ToString(),
                Incarnation = Incarnation,
                AgentVersion = _agentVersion,
                StartedAt = StartedAt,
            };
            await _store.PutAsync(ClusterKeys.Host(_identity.Id), RecordCodec.Encode(record), lease.Id, cancellationToken);
            // Clear a down mark another host may have set while this one was away.
            var infoKey = ClusterKeys.HostInfoOf(_identity.Id);
            if (await _store.GetAsync(infoKey, cancellationToken) is { } kv && RecordCodec.HostInfo(kv.Value) is { DownSince: not null } info)
            {
                await _store.TxnAsync(Txn.If(Compare.ModRevisionIs(infoKey, kv.ModRevision))
                    .Then(TxnOp.Put(infoKey, RecordCodec.Encode(info with { DownSince = null }))), cancellationToken);
            }
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
        var old = _lease;
        _lease = lease;
        if (old is not null)
        {
            await old.DisposeAsync();
        }
    }

    private async Task KeepRegisteredAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var lostOrStopped = CancellationTokenSource.CreateLinkedTokenSource(stop, _lease!.Lost);
                await Task.Delay(Timeout.Infinite, lostOrStopped.Token);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // The lease is gone: register again, retrying while the store is down.
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await RegisterAsync(stop);
                        break;
                    }
                    catch (StoreException)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Stops keeping the record alive. With <paramref name="withdraw"/> the record goes at once; otherwise the
    /// keep-alives stop and it expires after the TTL, as after a crash. Only the first call has an effect.
    /// </summary>
    public async ValueTask StopAsync(bool withdraw)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_lease is { } lease)
        {
            _lease = null;
            await lease.StopAsync(revoke: withdraw);
        }
    }

    /// <summary>Stops without withdrawing when <see cref="StopAsync"/> was not called: the record then expires after the TTL.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(withdraw: false);
        _stop.Dispose();
    }
}
