using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Weft.Api;
using Weft.Cli.Execution;
using Weft.Core.Errors;

namespace Weft.Cli;

/// <summary>
/// What every command needs from the outside: the console, the global options, a way to reach the agent and a
/// way to run a process inside a sandbox. Tests swap the console and the process runner; the agent is reached
/// through its socket either way.
/// </summary>
internal sealed class CliContext(CliConsole console, ISandboxProcessRunner processRunner)
{
    /// <summary>How long one request may take: creating a network or a sandbox programs kernels and the store.</summary>
    public static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(60);

    public CliConsole Console { get; } = console;

    public ISandboxProcessRunner ProcessRunner { get; } = processRunner;

    public GlobalOptions Globals { get; } = new();

    public TextWriter Out => Console.Out;

    /// <summary>A client for the socket named by --socket, else $WEFT_SOCKET, else the default path.</summary>
    /// <summary>
    /// A client of the agent; an answer served from the agent's last view while the store does not answer prints a
    /// warning on stderr (once), so neither a person nor a script on stdout mistakes it for the cluster's current state.
    /// </summary>
    public WeftApiClient ConnectToAgent(ParseResult parseResult)
    {
        var client = new WeftApiClient(parseResult.GetValue(Globals.Socket), AgentTimeout);
        var warned = false;
        client.StaleAnswer = since =>
        {
            if (!warned && parseResult.CommandResult.Command.Name != "status")
            {
                warned = true;
                Console.Error.WriteLine($"weft: warning: STALE: the cluster store has not answered since {Output.Display.Time(since)}; this is the last state the agent saw");
            }
        };
        return client;
    }

    public OutputFormat FormatOf(ParseResult parseResult) => Globals.FormatOf(parseResult);

    /// <summary>Prints an API shape exactly as the agent's JSON would spell it.</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> type) => Out.WriteLine(JsonSerializer.Serialize(value, type));

    /// <summary>Set once the command line asks for `--format json`: errors are then the API's error shape, one per line.</summary>
    public bool JsonErrors { get; set; }

    /// <summary>
    /// The one line an error gets on stderr: `weft: message`, even when the message itself spans lines; under
    /// `--format json` the API's error shape, `{"error":{"code":…,"message":…}}` (with `exitCode` for a command that
    /// could not start), so a script reads both outputs as JSON.
    /// </summary>
    public void WriteError(string message, string code = ErrorCodes.Internal, int? exitCode = null)
    {
        var line = string.Join(' ', message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        Console.Error.WriteLine(JsonErrors
            ? JsonSerializer.Serialize(new ApiErrorBody(new ApiError(code, line, exitCode)), OneLineJson.Context.ApiErrorBody)
            : "weft: " + line);
    }
}
