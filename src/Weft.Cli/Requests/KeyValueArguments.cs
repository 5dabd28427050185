namespace Weft.Cli.Requests;

/// <summary>Turns repeated `--opt k=v` style values into a dictionary; the last value of a key wins, as in Docker.</summary>
internal static class KeyValueArguments
{
    /// <summary>
    /// Every entry must be key=value. With <paramref name="allowBareKey"/> a bare key means an empty value,
    /// which is how Docker reads `--label key`.
    /// </summary>
    public static Dictionary<string, string> Parse(IEnumerable<string>? entries, string optionName, bool allowBareKey = false)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries ?? [])
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator == 0 || (separator < 0 && !allowBareKey) || entry.Length == 0)
            {
                throw new UsageException($"{optionName} '{entry}' is not key=value");
            }

            if (separator < 0)
            {
                result[entry] = "";
            }
            else
            {
                result[entry[..separator]] = entry[(separator + 1)..];
            }
        }

        return result;
    }

    /// <summary>
    /// `-e K=V` entries. A bare `-e K` passes this process's own K along, and nothing when K is unset,
    /// as `docker run -e K` does.
    /// </summary>
    public static Dictionary<string, string> ParseEnvironment(IEnumerable<string>? entries, Func<string, string?> lookup)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries ?? [])
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator == 0 || entry.Length == 0)
            {
                throw new UsageException($"-e '{entry}' is not NAME=VALUE");
            }

            if (separator > 0)
            {
                result[entry[..separator]] = entry[(separator + 1)..];
            }
            else if (lookup(entry) is { } inherited)
            {
                result[entry] = inherited;
            }
        }

        return result;
    }
}
