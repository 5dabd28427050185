using System.CommandLine;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>
/// Lightweight sandboxes, with Docker's top-level verbs: `run`, `ps`, `inspect`, `rm`, `exec`, `logs`, `stop`, `start`, `kill`. A sandbox is a set of
/// namespaces the agent keeps wired to its networks; a process in it is either the agent's (`run -d`) or the CLI's.
/// </summary>
internal sealed class SandboxCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context) =>
    [
        new RunCommand(context),
        new PsCommand(context),
        new InspectCommand(context),
        new RemoveCommand(context),
        new ExecCommand(context),
        new LogsCommand(context),
        new StopCommand(context),
        new StartCommand(context),
        new KillCommand(context),
    ];
}
