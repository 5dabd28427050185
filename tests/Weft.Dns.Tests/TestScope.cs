using System.Net;

namespace Weft.Dns.Tests;

/// <summary>
/// A scope like the agent's: a table of names and addresses. Unknown single-label names and names under
/// ".test-net" are the scope's (NXDOMAIN); anything else belongs upstream.
/// </summary>
public sealed class TestScope : IDnsScope
{
    public Dictionary<string, IPAddress[]> Names { get; } = new(StringComparer.Ordinal);
    public Dictionary<IPAddress, string> Reverses { get; } = [];
    public List<string> Asked { get; } = [];

    public static TestScope Standard()
    {
        var scope = new TestScope();
        scope.Add("shell", "10.0.0.2");
        scope.Add("shell.test-net", "10.0.0.2");
        scope.Add("dual", "10.0.0.3", "fd00::3");
        scope.Add("v6only", "fd00::4");
        scope.Add("noaddr");
        scope.Add("pair", "10.0.0.5", "10.0.0.6");
        scope.Add("big", [.. Enumerable.Range(0, 100).Select(i => $"10.1.{i / 250}.{i % 250 + 1}")]);
        scope.Reverses[IPAddress.Parse("10.0.0.2")] = "shell.test-net";
        scope.Reverses[IPAddress.Parse("fd00::3")] = "dual.test-net";
        return scope;
    }

    public void Add(string name, params string[] addresses) => Names[name] = [.. addresses.Select(IPAddress.Parse)];

    public LookupResult Resolve(string name, out IReadOnlyList<IPAddress> addresses)
    {
        lock (Asked)
        {
            Asked.Add(name);
        }
        if (Names.TryGetValue(name, out var found))
        {
            addresses = found;
            return LookupResult.Found;
        }
        addresses = [];
        return !name.Contains('.', StringComparison.Ordinal) || name.EndsWith(".test-net", StringComparison.Ordinal) ? LookupResult.NotFound : LookupResult.NotMine;
    }

    public LookupResult Reverse(IPAddress address, out string? name)
    {
        if (Reverses.TryGetValue(address, out name))
        {
            return LookupResult.Found;
        }
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4 && bytes[0] == 10 ? LookupResult.NotFound : LookupResult.NotMine;
    }
}

/// <summary>Knows the given client addresses (all sharing one scope); every other client is a stranger.</summary>
public sealed class TestDirectory(IDnsScope scope, params IPAddress[] clients) : IDnsDirectory
{
    public IDnsScope? ScopeFor(string listenerKey, IPAddress client) =>
        clients.Length == 0 || clients.Contains(client) ? scope : null;
}

/// <summary>A scope that fails, as a buggy one might.</summary>
public sealed class ThrowingScope : IDnsScope
{
    public LookupResult Resolve(string name, out IReadOnlyList<IPAddress> addresses) => throw new InvalidOperationException("scope broken");
    public LookupResult Reverse(IPAddress address, out string? name) => throw new InvalidOperationException("scope broken");
}
