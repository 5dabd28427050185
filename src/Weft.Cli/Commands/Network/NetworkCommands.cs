using System.CommandLine;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network ...`: create, list, inspect and remove networks, and attach running sandboxes to them.</summary>
internal sealed class NetworkCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context)
    {
        yield return new Command("network", "Manage networks (overlay across hosts, or bridge on one host)")
        {
            new NetworkCreateCommand(context),
            new NetworkListCommand(context),
            new NetworkInspectCommand(context),
            new NetworkRemoveCommand(context),
            new NetworkPruneCommand(context),
            new NetworkConnectCommand(context),
            new NetworkDisconnectCommand(context),
        };
    }
}
