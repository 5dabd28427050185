using System.Diagnostics;

namespace Weft.Store.Tests.Infrastructure;

/// <summary>A Weft.Store.TestWorker process this test owns by PID; killed on dispose if still running.</summary>
public sealed class Worker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<string> _errors = [];

    private Worker(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public static Worker Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Weft.Store.TestWorker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("test worker not built next to the tests", dll);
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new Worker(Process.Start(psi)!);
    }

    public async Task<string> WaitForLineAsync(string startsWith, double timeoutSeconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < timeoutSeconds)
        {
            lock (_lines)
            {
                var line = _lines.FirstOrDefault(l => l.StartsWith(startsWith, StringComparison.Ordinal));
                if (line is not null) return line;
            }
            if (_process.HasExited)
            {
                await Task.Delay(100); // let the output pumps finish
                lock (_lines)
                {
                    var line = _lines.FirstOrDefault(l => l.StartsWith(startsWith, StringComparison.Ordinal));
                    if (line is not null) return line;
                }
                throw new InvalidOperationException($"worker {Pid} exited ({_process.ExitCode}) before '{startsWith}': {Stderr}");
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"worker {Pid} did not print '{startsWith}' in {timeoutSeconds} s: {Stderr}");
    }

    public string Stderr
    {
        get
        {
            lock (_errors) return string.Join('\n', _errors);
        }
    }

    public async Task<int> WaitForExitAsync(double timeoutSeconds = 120)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process gets no chance to revoke its lease or clean anything up.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
