using Weft.Core.Errors;
using System.CommandLine;
using Weft.Cli.Commands;
using Weft.Cli.Commands.Network;
using Weft.Cli.Commands.Sandbox;
using Weft.Cli.Tests.Support;
using Weft.Linux;

namespace Weft.Cli.Tests;

/// <summary>
/// Whatever fails, and in whichever command group (including ones added later, such as agent and lab), the
/// person gets one line on stderr and a non-zero exit code, never a runtime crash dump.
/// </summary>
public class ErrorReportingTests
{
    /// <summary>A command group with one command, `fail`, that throws the exception it is given.</summary>
    private sealed class FailingCommands(Exception failure) : ICommandGroup
    {
        public IEnumerable<Command> CreateCommands(CliContext context)
        {
            var command = new Command("fail");
            command.SetAction(Task<int> (_) => throw failure);
            yield return command;
        }
    }

    private static Task<CliResult> FailWith(Exception failure) => InProcessCli.RunAsync([new FailingCommands(failure)], null, "fail");

    [Fact]
    public async Task A_weft_exception_is_shown_by_its_message_alone()
    {
        var run = await FailWith(new KernelException(1, "enter netns", "sandbox web1"));

        Assert.Equal((1, "", "weft: enter netns sandbox web1: Operation not permitted (EPERM)\n"), (run.ExitCode, run.Stdout, run.Stderr));
    }

    [Fact]
    public async Task A_bug_is_one_line_that_names_the_exception_type()
    {
        var run = await FailWith(new InvalidOperationException("boom"));

        Assert.Equal((1, "weft: internal error: InvalidOperationException: boom (set WEFT_DEBUG=1 for details)\n"), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public async Task A_message_of_several_lines_still_makes_one_line()
    {
        var run = await FailWith(new IOException("first line\n  second line\n"));

        Assert.Equal((1, "weft: first line second line\n"), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public async Task A_cancelled_command_exits_130_quietly()
    {
        var run = await FailWith(new OperationCanceledException());

        Assert.Equal((130, ""), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public async Task An_agent_that_does_not_answer_in_time_is_named()
    {
        // WeftApiClient turns HttpClient's timeout into this error.
        var run = await FailWith(new Weft.Api.WeftApiException(ErrorCodes.AgentTimeout, "the weft agent on /run/weft/weft.sock did not answer GET /v1/status within 60 s"));

        Assert.Equal((1, "weft: the weft agent on /run/weft/weft.sock did not answer GET /v1/status within 60 s\n"), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public void Exec_and_run_leave_ctrl_c_to_the_command_while_requests_are_cancelled_by_it()
    {
        var (_, exec) = InProcessCli.Parse<ExecCommand>("exec", "web1", "bash");
        var (_, run) = InProcessCli.Parse<RunCommand>("run", "--name", "t", "bash");
        var (_, list) = InProcessCli.Parse<NetworkListCommand>("network", "ls");

        Assert.Null(exec.TerminationGracePeriod);
        Assert.Null(run.TerminationGracePeriod);
        Assert.NotNull(list.TerminationGracePeriod);
    }
}
