using System.CommandLine;

namespace Weft.Cli.Commands.Capture;

/// <summary>`weft capture`: the overlay's VXLAN traffic on this host's underlay, with the cluster's names attached.</summary>
internal sealed class CaptureCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context) => [new CaptureCommand(context)];
}
