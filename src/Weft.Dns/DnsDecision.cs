namespace Weft.Dns;

/// <summary>How a message arrived, which decides the largest response (UDP: 512 or the EDNS size; TCP: 65535).</summary>
public enum DnsTransport
{
    Udp,
    Tcp,
}

public enum DnsAction
{
    /// <summary>Send the response written into the caller's buffer.</summary>
    Reply,
    /// <summary>The name is not local: ask the upstream resolvers and relay their answer.</summary>
    Forward,
    /// <summary>Send nothing.</summary>
    Drop,
}

/// <summary>The responder's verdict on one message.</summary>
/// <param name="Length">Bytes of the response (for <see cref="DnsAction.Reply"/>).</param>
/// <param name="Rcode">The response's code (for <see cref="DnsAction.Reply"/>).</param>
/// <param name="Local">Answered from the client's scope (authoritative), as opposed to an error reply.</param>
/// <param name="Query">The parsed query; its question is needed to relay or fail a forward.</param>
/// <param name="Fault">An exception the scope or directory threw; the reply is then SERVFAIL.</param>
public readonly record struct DnsDecision(DnsAction Action, int Length, DnsRcode Rcode, bool Local, DnsQuery Query, Exception? Fault = null)
{
    public static DnsDecision Drop => new(DnsAction.Drop, 0, DnsRcode.NoError, false, default);
}
