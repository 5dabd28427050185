using System.CommandLine;

namespace Weft.Cli.Commands;

/// <summary>
/// A family of top-level commands: `network`; `run`, `ps`, `exec`...; `status`. Program.cs lists the groups,
/// so adding one (`agent`, `lab`, `capture`) touches no other group.
/// </summary>
internal interface ICommandGroup
{
    /// <summary>The commands this group adds directly under `weft`.</summary>
    IEnumerable<Command> CreateCommands(CliContext context);
}
