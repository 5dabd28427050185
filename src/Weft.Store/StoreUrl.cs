using System.Globalization;

namespace Weft.Store;

/// <summary>
/// A parsed store URL: <c>etcd://host:port[,host:port…][?query]</c>, <c>etcds://…</c> or <c>sqlite:///abs/path</c>.
/// System.Uri cannot hold a comma-separated host list, so this is parsed by hand.
/// </summary>
internal sealed record StoreUrl(string Scheme, IReadOnlyList<(string Host, int Port)> Hosts, string Path,
    IReadOnlyDictionary<string, string> Query, string Display)
{
    public const int DefaultEtcdPort = 2379;

    public bool IsEtcd => Scheme is "etcd" or "etcds";

    public bool UseTls => Scheme == "etcds";

    public string? Param(string name) => Query.TryGetValue(name, out var v) ? v : null;

    public static StoreUrl Parse(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        var sep = url.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
            throw new ArgumentException($"store URL '{url}' has no scheme; use etcd://host:2379, etcds://host:2379 or sqlite:///path", nameof(url));
        var scheme = url[..sep].ToLowerInvariant();
        var rest = url[(sep + 3)..];
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                query[name] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
            rest = rest[..q];
        }
        var display = Redact(url[..(sep + 3)] + rest, query);

        switch (scheme)
        {
            case "sqlite":
                // sqlite:///abs/path: the authority is empty and the rest is an absolute path.
                if (!rest.StartsWith('/'))
                    throw new ArgumentException($"store URL '{display}' must name an absolute path, as in sqlite:///var/lib/weft/store.db", nameof(url));
                return new StoreUrl(scheme, [], Uri.UnescapeDataString(rest), query, display);
            case "etcd" or "etcds":
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                var authority = slash < 0 ? rest : rest[..slash];
                var hosts = new List<(string, int)>();
                foreach (var part in authority.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    hosts.Add(ParseHost(part, display));
                if (hosts.Count == 0)
                    throw new ArgumentException($"store URL '{display}' names no endpoint", nameof(url));
                return new StoreUrl(scheme, hosts, "", query, display);
            default:
                throw new ArgumentException($"store URL '{display}' has unknown scheme '{scheme}'; use etcd, etcds or sqlite", nameof(url));
        }
    }

    private static (string, int) ParseHost(string part, string display)
    {
        string host;
        string? port = null;
        if (part.StartsWith('['))
        {
            var close = part.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw new ArgumentException($"store URL '{display}': bad IPv6 endpoint '{part}'");
            host = part[..(close + 1)];
            if (close + 1 < part.Length && part[close + 1] == ':') port = part[(close + 2)..];
        }
        else
        {
            var colon = part.LastIndexOf(':');
            host = colon < 0 ? part : part[..colon];
            if (colon >= 0) port = part[(colon + 1)..];
        }
        var p = DefaultEtcdPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p is <= 0 or > 65535))
            throw new ArgumentException($"store URL '{display}': bad port in endpoint '{part}'");
        return (host, p);
    }

    private static string Redact(string withoutQuery, Dictionary<string, string> query)
    {
        if (query.Count == 0) return withoutQuery;
        var parts = query.Select(kv => kv.Key + "=" + (kv.Key.Equals("password", StringComparison.OrdinalIgnoreCase) ? "***" : kv.Value));
        return withoutQuery + "?" + string.Join('&', parts);
    }
}
