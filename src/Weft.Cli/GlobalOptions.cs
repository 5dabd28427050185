using System.CommandLine;
using Weft.Api;

namespace Weft.Cli;

/// <summary>How the CLI prints its answers.</summary>
internal enum OutputFormat
{
    /// <summary>Aligned tables and readable blocks, for people.</summary>
    Table,

    /// <summary>The API's own JSON shapes, exactly, for scripts.</summary>
    Json,
}

/// <summary>Options every command takes, wherever they appear on the line (`weft --format json ps` or `weft ps --format json`).</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Socket { get; } = new("--socket")
    {
        Description = $"The agent's API socket [default: ${WeftApiClient.SocketEnvironmentVariable}, else {WeftApiClient.DefaultSocketPath}]",
        HelpName = "PATH",
        Recursive = true,
    };

    public Option<string> Format { get; } = CreateFormatOption();

    public OutputFormat FormatOf(ParseResult parseResult) =>
        parseResult.GetValue(Format) == "json" ? OutputFormat.Json : OutputFormat.Table;

    private static Option<string> CreateFormatOption()
    {
        var option = new Option<string>("--format")
        {
            Description = "table for people, json for scripts: every command prints JSON (streams as JSON Lines) or refuses by name; README's \"JSON output\" lists each. Errors too, as {\"error\":{\"code\",\"message\"}} on stderr",
            DefaultValueFactory = _ => "table",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }
}
