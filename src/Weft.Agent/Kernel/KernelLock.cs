namespace Weft.Agent.Kernel;

/// <summary>
/// One writer to the kernel at a time: the reconciler and the endpoint lifecycle (join, leave) take turns, so a pass
/// never sees half of a join, nor removes what a join is building. Methods that must run under it take the
/// <see cref="Held"/> token as a parameter, so the compiler checks that the caller holds it.
/// </summary>
public sealed class KernelLock : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<Held> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Held(_gate);
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Proof of holding the lock; disposing it releases the lock (once).</summary>
    public sealed class Held : IDisposable
    {
        private readonly SemaphoreSlim _gate;
        private int _released;

        internal Held(SemaphoreSlim gate) => _gate = gate;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _gate.Release();
            }
        }
    }
}
