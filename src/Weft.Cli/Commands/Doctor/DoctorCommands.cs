using System.CommandLine;

namespace Weft.Cli.Commands.Doctor;

/// <summary>`weft doctor`: what is wrong with this host or the cluster, and the command that fixes it.</summary>
internal sealed class DoctorCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context) => [new DoctorCommand(context)];
}
