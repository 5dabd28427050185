using System.Runtime.InteropServices;

namespace Weft.Bench;

/// <summary>
/// Ctrl-C and SIGTERM cancel the benchmark's token instead of ending the process, so that the benchmark's own
/// `finally` blocks and disposals remove its labs, namespaces and daemons on the way out.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _sigterm;

    public Interruption()
    {
        Console.CancelKeyPress += OnCancelKey;
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; _cts.Cancel(); });
    }

    public CancellationToken Token => _cts.Token;

    private void OnCancelKey(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKey;
        _sigterm.Dispose();
        _cts.Dispose();
    }
}
