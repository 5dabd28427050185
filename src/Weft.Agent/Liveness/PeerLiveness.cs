using Microsoft.Extensions.Logging;
using Weft.Cluster;
using Weft.Linux.Packets;

namespace Weft.Agent.Liveness;

/// <summary>
/// Decides, for every peer whose lease is gone, whether its data plane still answers: an agent that is down (killed,
/// upgrading, crash-looping) is not a host that is down, and its sandboxes keep forwarding. Once a round
/// (<see cref="Interval"/>), each such peer's underlay address gets an ICMP echo, which its kernel answers without any
/// agent. A peer that answers is held (<see cref="ClusterSnapshot.HeldHosts"/>): its endpoints and names stay. One whose
/// last <see cref="PeerProbeBook.SilentAfter"/> probes went unanswered is silent and withdrawn, so a host that is really
/// gone leaves within its TTL plus about three rounds.
/// </summary>
/// <remarks>
/// A lease that disappears while the view watches puts its host in the held set at once (the view does that), so nothing
/// is withdrawn before the probe has spoken. At start the view holds nobody: <see cref="Decided"/> completes once every
/// lease-less peer has a verdict, and the reconciler's first pass waits for it, so a restarted agent neither withdraws a
/// peer that answers nor adds one that is long gone.
/// </remarks>
public sealed class PeerLiveness(ClusterView view, string localHostId, ILogger<PeerLiveness> log)
{
    /// <summary>How often every lease-less peer is probed.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>How often replies are collected while some peer has no verdict yet (a restart waits for them).</summary>
    private static readonly TimeSpan EagerInterval = TimeSpan.FromMilliseconds(20);

    private readonly PeerProbeBook _book = new(localHostId);
    private readonly Dictionary<string, PeerVerdict> _logged = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every peer whose lease was gone at start has a verdict.</summary>
    public Task Decided => _decided.Task;

    public async Task RunAsync(CancellationToken stop)
    {
        using var probe = new EchoProbe();
        var nextRound = DateTimeOffset.MinValue;
        while (!stop.IsCancellationRequested)
        {
            var seen = view.Version;
            if (view.Loaded)
            {
                var fresh = _book.Track(view.Current);
                _book.Answered(probe.DrainReplies());
                var round = DateTimeOffset.UtcNow >= nextRound;
                if (round)
                {
                    nextRound = DateTimeOffset.UtcNow + Interval;
                }
                // Verdicts before this round's probes go out: each probe counted has had a whole round to be answered.
                view.SetHeld(_book.Held);
                LogChanges(view.Current);
                if (!_book.AnyUndecided)
                {
                    _decided.TrySetResult();
                }
                // A newly lease-less peer is asked at once, the others once a round.
                foreach (var (id, vtep) in _book.Probed.Where(p => round || fresh.Contains(p.HostId)).ToList())
                {
                    _book.Sent(id);
                    probe.Send(vtep);
                }
            }
            // With every peer's lease alive there is nobody to probe: only a change of the view (a lease gone) wakes the loop.
            var changed = view.WaitForChangeAsync(seen, stop);
            if (view.Loaded && !_book.Probed.Any())
            {
                await changed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            // Before the view is loaded there is no round to wait for; the bound covers a load that raced with the check.
            var wake = !view.Loaded ? Interval : _book.AnyUndecided ? EagerInterval : nextRound - DateTimeOffset.UtcNow;
            await Task.WhenAny(changed, Task.Delay(wake > TimeSpan.Zero ? wake : TimeSpan.Zero, stop));
        }
    }

    private void LogChanges(ClusterSnapshot snapshot)
    {
        foreach (var (id, vtep) in _book.Probed)
        {
            var verdict = _book.VerdictOf(id);
            if (verdict == PeerVerdict.Undecided || _logged.GetValueOrDefault(id) == verdict)
            {
                continue;
            }
            _logged[id] = verdict;
            if (verdict == PeerVerdict.Answering)
            {
                log.LogInformation("host {Host} ({Address}) has no live record but answers on its underlay: its endpoints stay programmed here",
                    snapshot.HostName(id), vtep);
            }
            else
            {
                log.LogWarning("host {Host} ({Address}) has no live record and is silent on its underlay ({Count} probes unanswered): its endpoints are withdrawn here",
                    snapshot.HostName(id), vtep, _book.SilentAfter);
            }
        }
        foreach (var id in _logged.Keys.Where(id => !_book.Probed.Any(p => p.HostId == id)).ToList())
        {
            _logged.Remove(id);
        }
    }
}
