namespace Weft.Cli.Commands;

/// <summary>
/// What a command prints under `--format json`, declared by every command when it is built: the shape of its JSON,
/// or why it refuses the flag. A command that refuses is refused before it runs, with that reason, so no command can
/// quietly print text to a script that asked for JSON. README's "JSON output" table lists both.
/// </summary>
internal sealed record JsonOutput
{
    private JsonOutput(string? shape, string? refusal) => (Shape, Refusal) = (shape, refusal);

    /// <summary>What stdout holds under `--format json`, in a few words; null when the command refuses.</summary>
    public string? Shape { get; }

    /// <summary>Why the command refuses `--format json`; null when it prints JSON.</summary>
    public string? Refusal { get; }

    /// <summary>The command prints JSON of this shape (errors are the API's error shape on stderr, as everywhere).</summary>
    public static JsonOutput Prints(string shape) => new(shape, null);

    /// <summary>The command refuses `--format json` (a usage error, exit 2) and says why.</summary>
    public static JsonOutput Refuses(string why) => new(null, why);
}
