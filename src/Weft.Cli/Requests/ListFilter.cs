using System.CommandLine;

namespace Weft.Cli.Requests;

/// <summary>
/// `--filter KEY=VALUE` as Docker reads it, for `ps` and `network ls`: values of one key are alternatives (any may
/// match), different keys must all match; `name` matches part of the name, every other key the whole value. A key the
/// command does not know is refused by name, not ignored.
/// </summary>
internal sealed class ListFilter<T>
{
    private readonly Dictionary<string, Func<T, string, bool>> _keys;

    private readonly Option<string[]> _option;

    /// <param name="keys">Each key this command filters on, and whether an item matches one value of it.</param>
    public ListFilter(IReadOnlyDictionary<string, Func<T, string, bool>> keys)
    {
        _keys = new Dictionary<string, Func<T, string, bool>>(keys, StringComparer.Ordinal);
        _option = new Option<string[]>("--filter")
        {
            Description = $"Only what matches KEY=VALUE, repeatable (same key: any value; different keys: all); keys: {string.Join(", ", _keys.Keys)}",
            HelpName = "KEY=VALUE",
        };
    }

    public Option<string[]> Option => _option;

    /// <summary>A name matches when it contains the value, as `docker ps --filter name=web` does.</summary>
    public static bool NameContains(string name, string value) => name.Contains(value, StringComparison.Ordinal);

    /// <summary>
    /// Whether an item passes the command line's filters; throws <see cref="UsageException"/> for a malformed or unknown
    /// one, so call it before asking the agent anything.
    /// </summary>
    public Func<T, bool> Matcher(ParseResult parseResult)
    {
        var wanted = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var entry in parseResult.GetValue(_option) ?? [])
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new UsageException($"--filter '{entry}' is not KEY=VALUE");
            }

            var key = entry[..separator];
            if (!_keys.ContainsKey(key))
            {
                throw new UsageException($"--filter '{entry}': unknown key '{key}'; known: {string.Join(", ", _keys.Keys)}");
            }

            if (!wanted.TryGetValue(key, out var values))
            {
                wanted[key] = values = [];
            }

            values.Add(entry[(separator + 1)..]);
        }

        return item => wanted.All(w => w.Value.Any(value => _keys[w.Key](item, value)));
    }
}
