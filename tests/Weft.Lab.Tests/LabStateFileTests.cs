namespace Weft.Lab.Tests;

/// <summary>
/// lab.json is changed by every lab command that starts or stops something; two of them at once (two `weft lab agent
/// HOST start`) must both be recorded. Threads stand in for processes: the flock is per open file, so they contend as
/// processes do.
/// </summary>
public sealed class LabStateFileTests : IDisposable
{
    private readonly DirectoryInfo _base = Directory.CreateTempSubdirectory("wjs-labstate-");

    public void Dispose() => _base.Delete(recursive: true);

    [Fact]
    public async Task Concurrent_updates_of_the_state_file_lose_none()
    {
        const int hosts = 8, writersPerHost = 2, rounds = 25;
        var state = new LabState
        {
            Name = "lab",
            Directory = Path.Combine(_base.FullName, "lab"),
            StoreKind = "embedded",
            StoreUrl = "sqlite:///nonexistent/store.db",
            Hosts = [.. Enumerable.Range(1, hosts).Select(i => new LabHost($"host{i}", $"lab-host{i}", $"198.19.22.{i}", _base.FullName, AgentPid: null))],
        };
        state.Save();

        // Each writer counts its host's AgentPid up from a state it read before anyone wrote: a lost update is a lost count.
        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, hosts * writersPerHost).Select(w => Task.Run(() =>
        {
            var host = $"host{(w % hosts) + 1}";
            start.Wait();
            for (var i = 0; i < rounds; i++)
            {
                state.Update(s => s.WithHost(host, h => h with { AgentPid = (h.AgentPid ?? 0) + 1 }));
            }
        })).ToList();
        start.Set();
        await Task.WhenAll(writers);

        var final = LabState.Load(_base.FullName, "lab");
        Assert.NotNull(final);
        Assert.All(final.Hosts, h => Assert.Equal(writersPerHost * rounds, h.AgentPid));
        // Written whole and renamed: no temporary file is left beside it.
        Assert.Equal(["lab.json", "lab.json.lock"], Directory.GetFiles(state.Directory).Select(f => f[(state.Directory.Length + 1)..]).Order());
    }

    [Fact]
    public void An_update_of_a_removed_lab_is_refused_rather_than_bringing_its_file_back()
    {
        var state = new LabState { Name = "gone", Directory = Path.Combine(_base.FullName, "gone"), StoreKind = "embedded", StoreUrl = "sqlite:///x.db" };
        state.Save();
        File.Delete(LabState.PathFor(_base.FullName, "gone"));

        var e = Assert.Throws<LabException>(() => state.Update(s => s with { StorePaused = true }));
        Assert.Contains("removed", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(LabState.PathFor(_base.FullName, "gone")));
    }
}
