using Weft.Core.Errors;
using System.CommandLine;
using Weft.Api;

namespace Weft.Cli.Commands;

/// <summary>
/// The shared shape of `rm` commands: remove each name in turn, print each one removed, report each failure on
/// its own line, and exit 1 if any failed. An agent that is not running fails them all the same way, so that is
/// reported once.
/// </summary>
internal static class RemoveEach
{
    public static async Task<int> RunAsync(CliContext context, ParseResult parseResult, IEnumerable<string> names, Func<WeftApiClient, string, Task> remove)
    {
        using var agent = context.ConnectToAgent(parseResult);
        var exitCode = ExitCodes.Success;
        foreach (var name in names)
        {
            try
            {
                await remove(agent, name);
                if (context.FormatOf(parseResult) == OutputFormat.Table)
                {
                    context.Out.WriteLine(name);
                }
            }
            catch (WeftApiException e) when (e.Code != ErrorCodes.AgentUnavailable)
            {
                context.WriteError(e.Message);
                exitCode = ExitCodes.Failure;
            }
        }

        return exitCode;
    }
}
