using Weft.Cli.Commands;
using Weft.Cli.Commands.Agent;
using Weft.Cli.Commands.Capture;
using Weft.Cli.Commands.Cni;
using Weft.Cli.Commands.Doctor;
using Weft.Cli.Commands.Lab;
using Weft.Cli.Commands.Network;
using Weft.Cli.Commands.Sandbox;
using Weft.Cli.Commands.Status;
using Weft.Cli.Execution;

namespace Weft.Cli;

internal static class Program
{
    /// <summary>
    /// Every command group of `weft`, in the order `weft --help` lists them. A new group (agent, lab, capture) is a
    /// folder under Commands/ with an <see cref="ICommandGroup"/>, and one line here.
    /// </summary>
    public static IReadOnlyList<ICommandGroup> CommandGroups { get; } =
    [
        new NetworkCommands(),
        new SandboxCommands(),
        new StatusCommands(),
        new DoctorCommands(),
        new AgentCommands(),
        new LabCommands(),
        new CaptureCommands(),
        new CniCommands(),
    ];

    public static Task<int> Main(string[] args) =>
        WeftCli.RunAsync(args, new CliContext(CliConsole.FromProcess(), new NamespaceProcessRunner()), CommandGroups);
}
