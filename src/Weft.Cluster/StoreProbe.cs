using System.Text;
using Weft.Store;

namespace Weft.Cluster;

/// <summary>
/// Asks the store every <see cref="Interval"/> whether it still holds this cluster, and reports to the view whether an
/// answer came within <see cref="Deadline"/>. A watch alone cannot tell: a stopped (SIGSTOP) or partitioned etcd keeps
/// its TCP connections, and an embedded store whose write lock another process holds still answers reads. So the probe
/// is a transaction, which etcd serves through its quorum and SQLite only with the write lock (BEGIN IMMEDIATE): it
/// compares the cluster id and changes nothing, so it moves no revision. A probe still waiting at the next tick keeps
/// the store unreachable; no second one is started beside it.
/// </summary>
public sealed class StoreProbe(IClusterStore store, ClusterView view, string clusterId)
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken stop)
    {
        var expected = Encoding.UTF8.GetBytes(clusterId);
        Task<TxnResult>? pending = null;
        while (!stop.IsCancellationRequested)
        {
            // On a thread of its own: the embedded store waits for a held lock inside the call, not asynchronously.
            pending ??= Task.Run(() => store.TxnAsync(Txn.If(Compare.ValueIs(ClusterKeys.ClusterId, expected)), stop), CancellationToken.None);
            var started = TimeProvider.System.GetTimestamp();
            await Task.WhenAny(pending, Task.Delay(Deadline, stop)); // never throws: it only says which one ended
            if (stop.IsCancellationRequested)
            {
                break;
            }
            if (!pending.IsCompleted)
            {
                view.ReportProbe($"the store did not answer within {Deadline.TotalSeconds:0.#} s");
            }
            else
            {
                view.ReportProbe(await VerdictAsync(pending, stop));
                pending = null;
            }
            var left = Interval - TimeProvider.System.GetElapsedTime(started);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        if (pending is not null)
        {
            await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<string?> VerdictAsync(Task<TxnResult> probe, CancellationToken stop)
    {
        try
        {
            if ((await probe).Succeeded)
            {
                return null;
            }
            var stored = await ClusterIdentity.ReadAsync(store, stop);
            return stored is null
                ? $"the store no longer holds cluster {clusterId} (it has no cluster id: emptied, deleted or replaced)"
                : $"the store holds cluster {stored}, not this agent's cluster {clusterId}";
        }
        catch (StoreException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return "the store did not answer";
        }
    }
}
