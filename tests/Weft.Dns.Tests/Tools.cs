using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Weft.Dns.Tests;

/// <summary>Runs a command-line tool with a deadline; on timeout the process is killed by its pid and the test fails.</summary>
public static class Tool
{
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>What dig printed, picked apart.</summary>
public sealed record DigResult(string Status, string[] Flags, List<string[]> Answers, List<string[]> Authority, string Output)
{
    private static readonly Regex StatusLine = new(@"status: (\w+)", RegexOptions.Compiled);
    private static readonly Regex FlagsLine = new(@";; flags: ([a-z ]*);", RegexOptions.Compiled);

    public IEnumerable<string> AnswerData => Answers.Select(a => a[^1]);

    public static DigResult Parse(string output)
    {
        var status = StatusLine.Match(output) is { Success: true } s ? s.Groups[1].Value : "";
        var flags = FlagsLine.Matches(output) is { Count: > 0 } f ? f[^1].Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        return new DigResult(status, flags, Section(output, ";; ANSWER SECTION:"), Section(output, ";; AUTHORITY SECTION:"), output);
    }

    /// <summary>The records of the last section with this title (after a TCP retry dig prints the answer twice).</summary>
    private static List<string[]> Section(string output, string title)
    {
        var records = new List<string[]>();
        var at = output.LastIndexOf(title, StringComparison.Ordinal);
        if (at < 0)
        {
            return records;
        }
        foreach (var line in output[(at + title.Length)..].Split('\n').Skip(1))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                break;
            }
            records.Add(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        }
        return records;
    }
}

public static class Dig
{
    /// <summary>Runs dig against <paramref name="server"/> with one try (dig still retries over TCP after TC) and a short wait.</summary>
    public static async Task<DigResult> RunAsync(IPEndPoint server, params string[] args)
    {
        var (_, output) = await Tool.RunAsync("dig", [$"@{server.Address}", "-p", server.Port.ToString(), "+tries=1", "+time=5", .. args]);
        return DigResult.Parse(output);
    }
}

/// <summary>Raw UDP and TCP exchanges, for what dig cannot send.</summary>
public static class Raw
{
    public static async Task<byte[]?> UdpAsync(IPEndPoint server, byte[] query, IPAddress? from = null, int timeoutMs = 3000)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await socket.SendToAsync(query, server);
        var buffer = new byte[65535];
        using var deadline = new CancellationTokenSource(timeoutMs);
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return buffer[..n];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public static byte[] Frame(byte[] message) => [(byte)(message.Length >> 8), (byte)message.Length, .. message];

    public static async Task<byte[]?> ReadFrameAsync(Socket socket, CancellationToken cancellationToken)
    {
        var prefix = new byte[2];
        if (!await ReadAsync(socket, prefix, cancellationToken))
        {
            return null;
        }
        var message = new byte[(prefix[0] << 8) | prefix[1]];
        return await ReadAsync(socket, message, cancellationToken) ? message : null;
    }

    private static async Task<bool> ReadAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        for (var read = 0; read < buffer.Length;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}
