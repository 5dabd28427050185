using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Weft.Dns.Tests;

/// <summary>
/// A real upstream resolver for the forwarding tests: dnsmasq on 127.0.0.2 with no upstream of its own, answering
/// *.example.test with 192.0.2.7, big.example.test with 100 addresses, and *.nx.test with NXDOMAIN. Started once per
/// test class and killed by its pid afterwards; its files live in a temporary directory removed with it.
/// </summary>
public sealed class Dnsmasq : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("weft-dns-dnsmasq-").FullName;
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.2");

    public IPEndPoint EndPoint { get; private set; } = new(Address, 0);

    public async Task InitializeAsync()
    {
        try
        {
            // dnsmasq reads its hosts file after dropping root for nobody.
            File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);
            var hosts = Path.Combine(_directory, "hosts");
            var config = Path.Combine(_directory, "dnsmasq.conf"); // empty: everything is on the command line
            await File.WriteAllTextAsync(config, "");
            await File.WriteAllLinesAsync(hosts, Enumerable.Range(1, 100).Select(i => $"192.0.2.{i} big.example.test"));
            // A port free for both UDP and TCP right now; dnsmasq takes it a moment later.
            var (udp, tcp) = DnsListenerSockets.Bind(Address, 0);
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            udp.Dispose();
            tcp.Dispose();
            EndPoint = new IPEndPoint(Address, port);
            var start = new ProcessStartInfo("dnsmasq") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                "--keep-in-foreground", "--no-resolv", "--no-hosts", $"--conf-file={config}", "--log-facility=-",
                $"--port={port}", $"--listen-address={Address}", "--bind-interfaces",
                "--address=/example.test/192.0.2.7", "--address=/nx.test/", $"--addn-hosts={hosts}",
                $"--pid-file={Path.Combine(_directory, "pid")}",
            })
            {
                start.ArgumentList.Add(arg);
            }
            _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dnsmasq");
            _process.OutputDataReceived += (_, e) => Log(e.Data);
            _process.ErrorDataReceived += (_, e) => Log(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            for (var i = 0; i < 100; i++)
            {
                if (await Raw.UdpAsync(EndPoint, Packets.Query("www.example.test"), timeoutMs: 200) is not null)
                {
                    return;
                }
                if (_process.HasExited)
                {
                    break;
                }
            }
            throw new InvalidOperationException($"dnsmasq did not start answering: {_log}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            process.Dispose();
            _process = null;
        }
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private void Log(string? line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}

/// <summary>An upstream that never answers: a bound UDP socket that reads and counts queries, and says nothing.</summary>
public sealed class SilentUpstream : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private int _received;

    public SilentUpstream()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.4"), 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _reader = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    Interlocked.Increment(ref _received);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        });
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Queries that reached this server.</summary>
    public int Received => Volatile.Read(ref _received);

    public void Dispose()
    {
        _stop.Cancel();
        _reader.Wait();
        _socket.Dispose();
        _stop.Dispose();
    }
}
