namespace Weft.Agent.Reconcile;

/// <summary>
/// One writer to the kernel at a time: the reconciler and API calls (attach, detach) take turns, so a
/// pass never sees half of an attach, nor removes what an attach is building.
/// </summary>
public sealed class KernelLock : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Release(_gate);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
