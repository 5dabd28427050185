using System.Globalization;
using Weft.Api;
using Weft.Core.Naming;

namespace Weft.Cli.Output;

/// <summary>How single values read in tables and blocks, the same way in every command.</summary>
internal static class Display
{
    /// <summary>Shown for an absent value, so that columns never collapse and awk fields stay aligned.</summary>
    public const string None = "-";

    /// <summary>Ids are 64 hex digits; the first 12 identify one in practice, as Docker's do.</summary>
    public static string ShortId(string id) => id.Length <= WeftIds.ShortLength ? id : id[..WeftIds.ShortLength];

    /// <summary>Cuts long text to <paramref name="maxLength"/> characters, marking the cut.</summary>
    public static string Truncate(string text, int maxLength) =>
        text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, maxLength - 1), "…");

    public static string Subnets(IReadOnlyList<SubnetSpec> subnets) =>
        subnets.Count == 0 ? None : string.Join(",", subnets.Select(s => s.Subnet ?? None));

    /// <summary>Text as it is, or <see cref="None"/> when empty (a host or null network's endpoint has no MAC or interface).</summary>
    public static string Text(string? value) => string.IsNullOrEmpty(value) ? None : value;

    public static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? None;

    public static string List(IEnumerable<string> values) => string.Join(", ", values) is { Length: > 0 } text ? text : None;

    public static string Pairs(IReadOnlyDictionary<string, string> pairs) =>
        List(pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>
    /// A host's name, marked when it is not live: "(held)" (its agent is away, its data plane answers and is kept),
    /// "(gone)" (withdrawn). An agent too old to send a state only says whether the record is live: "(down)".
    /// </summary>
    public static string HostWithState(string host, string? state, bool alive) => state switch
    {
        HostStates.Held => $"{host} (held)",
        HostStates.Gone => $"{host} (gone)",
        _ when !alive => $"{host} (down)",
        _ => host,
    };

    /// <summary>UTC, to the second: the same text whatever the reader's time zone, and sortable.</summary>
    public static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    /// <summary>A command line as a person would retype it: arguments with spaces or quotes are quoted.</summary>
    public static string CommandLine(IReadOnlyList<string> command) =>
        command.Count == 0 ? None : string.Join(' ', command.Select(Quote));

    /// <summary>`-q`: names alone, one per line, sorted, for `$(...)` and xargs (every weft command takes names).</summary>
    public static void WriteNames(TextWriter writer, IEnumerable<string> names)
    {
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            writer.WriteLine(name);
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\')
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
