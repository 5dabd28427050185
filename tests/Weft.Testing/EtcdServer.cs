using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Weft.Testing;

/// <summary>TLS files for an etcd launched with client-certificate authentication (PEM paths).</summary>
public sealed record EtcdTlsFiles(string CaCert, string ServerCert, string ServerKey, string ClientCert, string ClientKey);

/// <summary>
/// A throw-away single-member etcd for tests and benchmarks: loopback-only client and peer ports picked at random,
/// a data dir under a per-run temp dir, and a process this code owns by PID. It can be SIGKILLed and restarted on
/// the same ports and data dir to simulate a crash. Disposing kills it and deletes the dir.
/// Used by the store and cluster tests and by bench/Weft.Bench.Store.
/// </summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/etcd";
    private readonly EtcdTlsFiles? _tls;
    private Process? _process;

    private EtcdServer(string rootDir, int clientPort, int peerPort, EtcdTlsFiles? tls)
    {
        RootDir = rootDir;
        ClientPort = clientPort;
        PeerPort = peerPort;
        _tls = tls;
    }

    /// <summary>The per-run temp dir that holds the data dir and the log; deleted on dispose.</summary>
    public string RootDir { get; }

    public int ClientPort { get; }

    public int PeerPort { get; }

    public string DataDir => Path.Combine(RootDir, "data");

    public string LogPath => Path.Combine(RootDir, "etcd.log");

    /// <summary>The gateway base address, e.g. http://127.0.0.1:40123.</summary>
    public string ClientUrl => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}";

    /// <summary>The Weft store URL for this server (without TLS file parameters).</summary>
    public string StoreUrl => $"{(_tls is null ? "etcd" : "etcds")}://127.0.0.1:{ClientPort}";

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Creates /tmp/{prefix}-XXXX, starts etcd in it and waits until it is healthy.</summary>
    public static async Task<EtcdServer> StartAsync(string prefix = "wtt-store", EtcdTlsFiles? tls = null, string? rootDir = null)
    {
        var root = rootDir ?? Directory.CreateTempSubdirectory(prefix + "-").FullName;
        // Two free ports: bind port 0, note it, release it. Another process could take it in between; a retry
        // with fresh ports covers that rare case.
        for (var attempt = 0; ; attempt++)
        {
            var (client, peer) = (FreePort(), FreePort());
            if (client == peer) continue;
            var server = new EtcdServer(root, client, peer, tls);
            try
            {
                await server.StartProcessAsync();
                return server;
            }
            catch (Exception) when (attempt < 2)
            {
                await server.KillAsync();
                TempDirectories.Remove(Path.Combine(root, "data"));
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts (or restarts, after <see cref="KillAsync"/>) the process on the same ports and data dir.</summary>
    public async Task StartProcessAsync()
    {
        if (Pid is not null) throw new InvalidOperationException("etcd is already running");
        var scheme = _tls is null ? "http" : "https";
        var peerUrl = $"http://127.0.0.1:{PeerPort}";
        var clientUrl = $"{scheme}://127.0.0.1:{ClientPort}";
        var psi = new ProcessStartInfo(Binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            "--name", "weft-test", "--data-dir", DataDir,
            "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", $"weft-test={peerUrl}", "--initial-cluster-state", "new",
            "--logger", "zap", "--log-outputs", LogPath,
        })
        {
            psi.ArgumentList.Add(arg);
        }
        if (_tls is not null)
        {
            foreach (var arg in new[] { "--cert-file", _tls.ServerCert, "--key-file", _tls.ServerKey, "--client-cert-auth", "--trusted-ca-file", _tls.CaCert })
                psi.ArgumentList.Add(arg);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + Binary);
        // Drain the pipes so etcd never blocks on a full one; the useful log goes to LogPath.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitHealthyAsync(TimeSpan.FromSeconds(20));
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var handler = new SocketsHttpHandler { UseProxy = false };
        if (_tls is not null)
        {
            handler.SslOptions.ClientCertificates =
                [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(_tls.ClientCert, _tls.ClientKey)];
            var policy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
            {
                TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.ImportFromPemFile(_tls.CaCert);
            handler.SslOptions.CertificateChainPolicy = policy;
        }
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process is null || _process.HasExited)
                throw new InvalidOperationException($"etcd exited during start-up (code {_process?.ExitCode}); log: {ReadLogTail()}");
            try
            {
                var body = await http.GetStringAsync(new Uri(ClientUrl + "/health"));
                if (body.Contains("\"health\":\"true\"", StringComparison.Ordinal)) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"etcd on {ClientUrl} not healthy after {timeout.TotalSeconds} s; log: {ReadLogTail()}");
    }

    public string ReadLogTail()
    {
        try
        {
            var text = File.ReadAllText(LogPath);
            return text.Length > 2000 ? text[^2000..] : text;
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    /// <summary>SIGKILL by PID (Process.Kill on Unix sends SIGKILL) and wait until it is gone.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        _process = null;
        if (process is null) return;
        try
        {
            if (!process.HasExited) process.Kill();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        finally
        {
            process.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        TempDirectories.Remove(RootDir);
    }
}
