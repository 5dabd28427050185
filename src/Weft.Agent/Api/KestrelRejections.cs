using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Weft.Api;
using Weft.Core.Errors;

namespace Weft.Agent.Api;

/// <summary>
/// Gives Kestrel's own rejections the API's error body. Kestrel answers a request line or header block over its limits
/// (414, 431), and HTTP it cannot parse (400), itself, before any middleware runs, with an empty body, and offers no hook
/// to change that. This connection filter sits between Kestrel and the socket: a response that starts a write, is a 4xx
/// and has `Content-Length: 0` can only be one of those (every 4xx of the API's own carries a body), and is rewritten
/// with the JSON body; everything else passes through untouched.
/// </summary>
internal static class KestrelRejections
{
    private static readonly byte[] StatusLineStart = "HTTP/1.1 4"u8.ToArray();
    private static readonly byte[] EmptyBody = "\r\nContent-Length: 0\r\n"u8.ToArray();
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    public static ConnectionDelegate Filter(ConnectionDelegate next) => async connection =>
    {
        var transport = connection.Transport;
        var between = new Pipe();
        connection.Transport = new Duplex(transport.Input, between.Writer);
        var pump = PumpAsync(between.Reader, transport.Output);
        try
        {
            await next(connection);
        }
        finally
        {
            await between.Writer.CompleteAsync();
            await pump;
            connection.Transport = transport;
        }
    };

    private static async Task PumpAsync(PipeReader from, PipeWriter to)
    {
        try
        {
            while (true)
            {
                var read = await from.ReadAsync();
                var buffer = read.Buffer;
                if (!buffer.IsEmpty)
                {
                    if (Rewrite(buffer) is { } rewritten)
                    {
                        to.Write(rewritten);
                    }
                    else
                    {
                        foreach (var segment in buffer)
                        {
                            to.Write(segment.Span);
                        }
                    }
                }
                from.AdvanceTo(buffer.End);
                var flushed = await to.FlushAsync();
                if (read.IsCompleted || flushed.IsCompleted)
                {
                    break;
                }
            }
            await from.CompleteAsync();
        }
        catch (Exception e)
        {
            await from.CompleteAsync(e); // the client went away: Kestrel's writes end as they would on the socket
        }
        await to.CompleteAsync();
    }

    /// <summary>The response with a JSON error body, or null when it is not one of Kestrel's empty rejections.</summary>
    internal static byte[]? Rewrite(ReadOnlySequence<byte> buffer)
    {
        var bytes = buffer.ToArray();
        var end = bytes.AsSpan().IndexOf(HeaderEnd);
        if (!bytes.AsSpan().StartsWith(StatusLineStart) || end < 0 || bytes.Length != end + HeaderEnd.Length)
        {
            return null;
        }
        var head = bytes.AsSpan(0, end + 2); // through the last header's CRLF
        var emptyBody = head.IndexOf(EmptyBody);
        if (emptyBody < 0 || !int.TryParse(bytes.AsSpan(9, 3), out var status))
        {
            return null;
        }
        var body = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new ApiErrorBody(new ApiError(ErrorCodes.BadRequest, MessageFor(status))), ApiJsonContext.Default.ApiErrorBody));
        var headers = Encoding.ASCII.GetString(head[..emptyBody]) + $"\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {body.Length}\r\n" +
            Encoding.ASCII.GetString(head[(emptyBody + EmptyBody.Length)..]) + "\r\n";
        return [.. Encoding.ASCII.GetBytes(headers), .. body];
    }

    private static string MessageFor(int status) => status switch
    {
        414 => "the request line (method, path and query) is too long",
        431 => "the request's header fields are too large",
        413 => "the request body is too large",
        408 => "the request did not arrive in time",
        _ => $"the request is not valid HTTP/1.1 (status {status})",
    };

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
