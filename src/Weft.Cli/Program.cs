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
using Weft.Linux.Processes;

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
        // The agent's exec handoff runs in every detached sandbox start: it is dispatched before anything of the CLI is
        // built, so it costs only this executable's start-up.
        args is [ExecHandoff.EntryName, ..] ? Task.FromResult(ExecHandoffEntry.Run(args.AsSpan(1)))
        : WeftCli.RunAsync(args, new CliContext(CliConsole.FromProcess(), new NamespaceProcessRunner()), CommandGroups);
}
