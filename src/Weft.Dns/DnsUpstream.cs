using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Weft.Dns;

/// <summary>
/// Forwards queries to upstream resolvers over UDP, retrying over TCP when the answer is truncated and the client
/// used TCP, with a fresh random id and source port per attempt (RFC 5452) so a spoofed answer has to guess both.
/// </summary>
/// <remarks>
/// Attempts go to the servers in turn, starting with the one that answered last, so a dead first server costs one
/// timeout until another one answers and none after that. A server answering SERVFAIL or REFUSED counts as a failed
/// attempt when attempts remain. Sockets are created by the calling thread, i.e. in the agent's own network
/// namespace, where the host's resolvers are reachable.
/// </remarks>
public sealed class DnsUpstream
{
    private int _preferred;

    public DnsUpstream(IReadOnlyList<IPEndPoint> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        Servers = [.. servers];
    }

    public IReadOnlyList<IPEndPoint> Servers { get; }

    /// <summary>
    /// The nameserver lines of a resolv.conf (IPv4 and IPv6, port 53). A missing file or one without nameservers
    /// gives no servers, and every forwarded query is answered SERVFAIL.
    /// </summary>
    public static DnsUpstream FromResolvConf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            text = "";
        }
        return new DnsUpstream(ParseResolvConf(text));
    }

    public static IReadOnlyList<IPEndPoint> ParseResolvConf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<IPEndPoint>();
        foreach (var line in text.Split('\n'))
        {
            var words = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] == "nameserver" && IPAddress.TryParse(words[1], out var address))
            {
                servers.Add(new IPEndPoint(address, 53));
            }
        }
        return servers;
    }

    /// <summary>
    /// Sends <paramref name="query"/> (a whole query message) upstream and returns the first valid answer, or null
    /// when no attempt got one. The answer still carries the upstream id; the caller puts the client's back.
    /// </summary>
    /// <param name="questionEnd">Where the query's question ends; answers must echo it.</param>
    /// <param name="overTcp">The client asked over TCP: a truncated UDP answer is fetched again over TCP.</param>
    public async Task<byte[]?> ExchangeAsync(ReadOnlyMemory<byte> query, int questionEnd, bool overTcp, TimeSpan timeout, int attempts, CancellationToken cancellationToken)
    {
        if (Servers.Count == 0 || query.Length < DnsHeader.Length || questionEnd > query.Length)
        {
            return null;
        }
        var message = query.ToArray();
        byte[]? last = null;
        var first = Volatile.Read(ref _preferred);
        for (var attempt = 0; attempt < Math.Max(1, attempts); attempt++)
        {
            var index = (first + attempt) % Servers.Count;
            var server = Servers[index];
            var id = (ushort)Random.Shared.Next(0x10000);
            DnsHeader.WriteId(message, id);
            byte[]? answer;
            try
            {
                answer = await OverUdpAsync(server, message, id, questionEnd, timeout, cancellationToken);
                if (answer is not null && overTcp && IsTruncated(answer))
                {
                    answer = await OverTcpAsync(server, message, id, questionEnd, timeout, cancellationToken);
                }
            }
            catch (SocketException)
            {
                answer = null; // unreachable, refused, reset: the next attempt
            }
            if (answer is null)
            {
                continue;
            }
            last = answer;
            if (Rcode(answer) is DnsRcode.ServFail or DnsRcode.Refused && attempt + 1 < attempts)
            {
                continue;
            }
            Volatile.Write(ref _preferred, index);
            return answer;
        }
        return last;
    }

    private static async Task<byte[]?> OverUdpAsync(IPEndPoint server, byte[] message, ushort id, int questionEnd, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // Connected: the kernel drops datagrams from anyone else, and reports ICMP unreachable as an error at once.
        await socket.ConnectAsync(server, cancellationToken);
        await socket.SendAsync(message, SocketFlags.None, cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var buffer = ArrayPool<byte>.Shared.Rent(DnsReplies.MaxTcpMessage);
        try
        {
            while (true)
            {
                var length = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (IsAnswer(buffer.AsSpan(0, length), id, message.AsSpan(DnsHeader.Length, questionEnd - DnsHeader.Length)))
                {
                    return buffer.AsSpan(0, length).ToArray();
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<byte[]?> OverTcpAsync(IPEndPoint server, byte[] message, ushort id, int questionEnd, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, deadline.Token);
            var framed = new byte[2 + message.Length];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
            message.CopyTo(framed, 2);
            await socket.SendAsync(framed, SocketFlags.None, deadline.Token);
            var prefix = new byte[2];
            if (!await TcpFraming.ReadExactlyAsync(socket, prefix, deadline.Token))
            {
                return null;
            }
            var answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            if (!await TcpFraming.ReadExactlyAsync(socket, answer, deadline.Token))
            {
                return null;
            }
            return IsAnswer(answer, id, message.AsSpan(DnsHeader.Length, questionEnd - DnsHeader.Length)) ? answer : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="response"/> answers our query: our id, QR, opcode QUERY and our question (in any
    /// case); or no question at all with an error code, which is how some servers say FORMERR.
    /// </summary>
    internal static bool IsAnswer(ReadOnlySpan<byte> response, ushort id, ReadOnlySpan<byte> question)
    {
        if (!DnsHeader.TryRead(response, out var header) || header.Id != id || !header.IsResponse || header.Opcode != DnsOpcode.Query)
        {
            return false;
        }
        if (header.QuestionCount == 0)
        {
            return header.Rcode != DnsRcode.NoError;
        }
        if (header.QuestionCount != 1 || response.Length < DnsHeader.Length + question.Length)
        {
            return false;
        }
        var echoed = response.Slice(DnsHeader.Length, question.Length);
        return DnsName.EqualsIgnoreCase(echoed[..^4], question[..^4]) && echoed[^4..].SequenceEqual(question[^4..]);
    }

    private static bool IsTruncated(byte[] answer) => DnsHeader.TryRead(answer, out var header) && header.Truncated;

    private static DnsRcode Rcode(byte[] answer) => DnsHeader.TryRead(answer, out var header) ? header.Rcode : DnsRcode.ServFail;
}
