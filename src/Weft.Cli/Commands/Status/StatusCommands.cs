using System.CommandLine;

namespace Weft.Cli.Commands.Status;

/// <summary>`weft status`: is the agent up, and can it reach the cluster store.</summary>
internal sealed class StatusCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context) => [new StatusCommand(context)];
}
