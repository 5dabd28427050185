using System.Diagnostics;
using Weft.Linux.Processes;

namespace Weft.Linux.Tests;

public sealed class ProcessStatTests
{
    [Fact]
    public void A_running_process_has_a_start_time_that_stays_the_same_and_differs_from_a_later_process()
    {
        using var first = Process.Start("sleep", "30");
        try
        {
            var stat = ProcessStat.Read(first.Id);
            Assert.NotNull(stat);
            Assert.False(stat.Value.IsZombie);
            Assert.Equal(stat.Value.StartTime, ProcessStat.Read(first.Id)!.Value.StartTime); // its state may move from R to S meanwhile
            Assert.True(stat.Value.StartTime >= ProcessStat.Read(Environment.ProcessId)!.Value.StartTime);
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
        Assert.Null(ProcessStat.Read(first.Id));
    }

    [Fact]
    public void Fields_are_counted_from_the_last_parenthesis_since_a_command_name_may_hold_spaces_and_parentheses()
    {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
        // cstime priority nice num_threads itrealvalue starttime ...
        var line = "4242 (a) b ) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345 67 ...\n";
        Assert.Equal(new ProcessStat('S', 987654), ProcessStat.Parse(line));
        Assert.True(ProcessStat.Parse("1 (x) Z 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 55 0")!.Value.IsZombie);
        Assert.Null(ProcessStat.Parse("4242 (cut short) S 1 2"));
        Assert.Null(ProcessStat.Parse("no parenthesis at all"));
        Assert.Null(ProcessStat.Read(-1));
    }
}
