using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Weft.Cli.Commands;
using Weft.Api;
using Weft.Cli.Execution;
using Weft.Core.Errors;
using Weft.Linux;

namespace Weft.Cli;

/// <summary>
/// Builds the command tree from its groups, runs one command line, and turns every way it can fail into the
/// same answer: one line `weft: message` on stderr and an exit code (2 for the command line, 1 for the rest).
/// </summary>
internal static class WeftCli
{
    public const string Name = "weft";

    /// <summary>Set to anything to get the stack trace of an internal error.</summary>
    public const string DebugEnvironmentVariable = "WEFT_DEBUG";

    public static RootCommand BuildRoot(CliContext context, IEnumerable<ICommandGroup> groups)
    {
        var root = new RootCommand(
            "Weft: container networks across Linux hosts, carried in VXLAN. A thin client of the local `weft agent`.\n" +
            "Networks default to the overlay driver, an automatic subnet and MTU = underlay MTU − 50.");
        root.Add(context.Globals.Socket);
        root.Add(context.Globals.Format);
        foreach (var group in groups)
        {
            foreach (var command in group.CreateCommands(context))
            {
                root.Add(command);
            }
        }

        return root;
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, IEnumerable<ICommandGroup> groups, CancellationToken cancellationToken = default)
    {
        // A line that names no command and whose root option acts by itself (`--version`) needs none of the command tree,
        // which is most of what start-up would build: it is parsed against the root alone. Anything else (a command, help,
        // which lists the commands, a bare `weft`, an error) is parsed again against the whole tree.
        var (parseResult, refusal) = Parse(BuildRoot(context, []), args);
        if (refusal is not null || parseResult.Action is null or HelpAction)
        {
            (parseResult, refusal) = Parse(BuildRoot(context, groups), args);
        }
        context.JsonErrors = AsksForJson(args);
        if (refusal is not null)
        {
            return UsageError(context, parseResult, refusal);
        }

        var invocation = new InvocationConfiguration
        {
            Output = context.Console.Out,
            Error = context.Console.Error,
            // Failures are ours to report, in one line, not System.CommandLine's stack trace.
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = parseResult.CommandResult.Command is WeftCommand command ? command.TerminationGracePeriod : null,
        };
        try
        {
            return await parseResult.InvokeAsync(invocation, cancellationToken);
        }
        catch (UsageException e)
        {
            return UsageError(context, parseResult, e.Message);
        }
        catch (CommandNotStartedException e)
        {
            context.WriteError(e.Message, ErrorCodes.ExecFailed, e.ExitCode);
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: the shell already shows why; say nothing.
            return ExitCodes.Interrupted;
        }
        catch (WeftApiException e)
        {
            // The agent's message already names the bad value; agent-unavailable says how to start the agent.
            context.WriteError(e.Message, e.Code, e.ExitCode);
            return e.Code == ErrorCodes.ExecFailed ? e.ExitCode ?? ExitCodes.SetupFailed : ExitCodes.Failure;
        }
        catch (Exception e) when (IsMeantForPeople(e))
        {
            // A kernel error names the operation, the object and the errno (EPERM: not root); a lab or file error its path.
            context.WriteError(e.Message, e switch { WeftValidationException v => v.Code, KernelException => ErrorCodes.Kernel, _ => ErrorCodes.BadRequest });
            return ExitCodes.Failure;
        }
#pragma warning disable CA1031 // The top of the CLI: a bug still ends in one line and exit 1, not a runtime crash dump.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var debug = Environment.GetEnvironmentVariable(DebugEnvironmentVariable) is { Length: > 0 };
            context.WriteError($"internal error: {e.GetType().Name}: {e.Message}" + (debug ? "" : $" (set {DebugEnvironmentVariable}=1 for details)"));
            if (debug)
            {
                context.Console.Error.WriteLine(e);
            }

            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// Parses a command line Docker's way (bundles of short options such as `-dit` expanded first, no response files),
    /// and says why it is refused before anything runs, or null: a word that cannot mean anything, an option the command
    /// does not know where only an option may stand (never a COMMAND to run), and the parser's own errors.
    /// </summary>
    public static (ParseResult Result, string? Refusal) Parse(RootCommand root, IReadOnlyList<string> args)
    {
        var (words, malformed) = ShortOptionBundles.Expand(args, root.Parse(args, ShortOptionBundles.Configuration));
        var result = root.Parse(words, ShortOptionBundles.Configuration);
        return (result, malformed
            ?? (MisplacedOptions.Find(result) is { } misplaced ? $"unknown option '{misplaced}'" : null)
            ?? (result.Action is ParseErrorAction ? UsageMessage(result) : null));
    }

    private static int UsageError(CliContext context, ParseResult parseResult, string message)
    {
        context.WriteError($"{message} (see '{CommandPath(parseResult.CommandResult)} --help')", ErrorCodes.Usage);
        return ExitCodes.Usage;
    }

    /// <summary>
    /// `--format json` anywhere before `--`, read from the words themselves: a line the parser refused still gets its
    /// error in the format it asked for.
    /// </summary>
    private static bool AsksForJson(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count && args[i] != "--"; i++)
        {
            if (args[i] is "--format=json" or "--format:json" || (args[i] == "--format" && i + 1 < args.Count && args[i + 1] == "json"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Weft's own exceptions (API, kernel, validation, store, lab, ...) carry messages written for the person at the
    /// terminal, and so do the runtime's file-system ones; anything else is a bug and is labelled as one.
    /// </summary>
    private static bool IsMeantForPeople(Exception e) =>
        e.GetType().Namespace?.StartsWith("Weft.", StringComparison.Ordinal) == true
        || e is IOException or UnauthorizedAccessException;

    /// <summary>
    /// The parser's message. A mistyped command also leaves a "required command" error behind it; the mistyped
    /// word is the useful part, so an unmatched token is reported first.
    /// </summary>
    private static string UsageMessage(ParseResult parseResult) =>
        parseResult.UnmatchedTokens.Count > 0
            ? $"unknown command or option '{parseResult.UnmatchedTokens[0]}'"
            : parseResult.Errors[0].Message;

    /// <summary>`weft network create`, whatever the executable happens to be called (a test host, a dotnet exec).</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is CommandResult command; current = command.Parent)
        {
            names.Add(command.Parent is null ? Name : command.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
