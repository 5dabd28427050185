using Weft.Linux.Processes;

namespace Weft.Linux.Tests;

public sealed class ExecutablePagesTests
{
    [Fact]
    public void Releasing_unmaps_the_executables_read_only_pages_and_the_process_runs_on()
    {
        var exe = Environment.ProcessPath!;
        var before = ExecutablePages.ReadOnlyCleanMappings(exe);
        Assert.NotEmpty(before); // the test host's code, at least
        Assert.All(before, m => Assert.True(m.End > m.Start));

        var released = ExecutablePages.ReleaseReadOnly();

        Assert.True(released > 0, "nothing of the executable was resident");
        // Only what ran since is mapped again; and it ran: the process is alive and its code still answers.
        Assert.True(ExecutablePages.ReadOnlyCleanMappings(exe).Sum(m => m.Resident) < released);
        Assert.Equal(before.Count, ExecutablePages.ReadOnlyCleanMappings(exe).Count);
    }
}
