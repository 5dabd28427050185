using System.Net;

namespace Weft.Dns;

/// <summary>A scope's answer about one name or address.</summary>
public enum LookupResult
{
    Found,
    /// <summary>The name is the scope's and does not exist: answered NXDOMAIN, authoritatively.</summary>
    NotFound,
    /// <summary>The name is not the scope's: the query is forwarded upstream.</summary>
    NotMine,
}

/// <summary>What one client may resolve; implemented by the agent from the cluster state.</summary>
/// <remarks>Called on the server's receive loops, concurrently and synchronously: keep it in memory and fast, never block.</remarks>
public interface IDnsScope
{
    /// <summary>
    /// <paramref name="name"/>: lower-case, no trailing dot; bytes other than printable ASCII appear escaped as \DDD.
    /// Found → addresses (IPv4 and/or IPv6 mixed; may be empty = the name exists without an address → NODATA).
    /// </summary>
    LookupResult Resolve(string name, out IReadOnlyList<IPAddress> addresses);

    /// <summary>For PTR queries (the library parses in-addr.arpa and ip6.arpa into the address). Found → name (no trailing dot).</summary>
    LookupResult Reverse(IPAddress address, out string? name);
}

/// <summary>Who is asking: maps a client to its scope.</summary>
/// <remarks>Called for every query from every listener's receive loop, concurrently: must be thread-safe and must not block.</remarks>
public interface IDnsDirectory
{
    /// <summary>The scope of a client that asked on the listener with this key; null = a client Weft does not know → REFUSED.</summary>
    IDnsScope? ScopeFor(string listenerKey, IPAddress client);
}
