using System.Net;
using Weft.Dns;

namespace Weft.Agent.Dns;

/// <summary>A client allowed no names of Weft's: every query goes to the upstream resolvers.</summary>
public sealed class ForwardOnlyScope : IDnsScope
{
    public static readonly ForwardOnlyScope Instance = new();

    private ForwardOnlyScope()
    {
    }

    public LookupResult Resolve(string name, out IReadOnlyList<IPAddress> addresses)
    {
        addresses = [];
        return LookupResult.NotMine;
    }

    public LookupResult Reverse(IPAddress address, out string? name)
    {
        name = null;
        return LookupResult.NotMine;
    }
}
