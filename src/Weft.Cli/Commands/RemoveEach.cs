using Weft.Core.Errors;
using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;

namespace Weft.Cli.Commands;

/// <summary>
/// The shared shape of commands that act on each name in turn (`rm`, `network rm`, `stop`, `start`, `kill`): print each one done, report each failure on
/// its own line, and exit 1 if any failed. An agent that is not running fails them all the same way, so that is
/// reported once.
/// </summary>
internal static class RemoveEach
{
    /// <param name="ignoreMissing">Docker's `-f`: a name that does not exist is no error.</param>
    public static async Task<int> RunAsync(CliContext context, ParseResult parseResult, IEnumerable<string> names, Func<WeftApiClient, string, Task> remove,
        bool ignoreMissing = false)
    {
        using var agent = context.ConnectToAgent(parseResult);
        var exitCode = ExitCodes.Success;
        var removed = new List<string>();
        foreach (var name in names)
        {
            try
            {
                await remove(agent, name);
                removed.Add(name);
                if (context.FormatOf(parseResult) == OutputFormat.Table)
                {
                    context.Out.WriteLine(name);
                }
            }
            catch (WeftApiException e) when (ignoreMissing && e.Code == ErrorCodes.NotFound)
            {
                // Already gone: what the caller wanted.
            }
            catch (WeftApiException e) when (e.Code != ErrorCodes.AgentUnavailable)
            {
                context.WriteError(e.Message, e.Code);
                exitCode = ExitCodes.Failure;
            }
        }

        if (context.FormatOf(parseResult) == OutputFormat.Json)
        {
            context.WriteJson(removed.ToArray(), CliJsonContext.Default.StringArray);
        }

        return exitCode;
    }
}
