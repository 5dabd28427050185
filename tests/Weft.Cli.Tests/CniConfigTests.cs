using System.Text.Json;
using Weft.Cli.Commands.Cni;
using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>`weft cni config`: the conflist chains weft (declaring aliases) and portmap, and names a non-default socket.</summary>
public sealed class CniConfigTests
{
    [Fact]
    public void The_conflist_chains_weft_then_portmap()
    {
        using var doc = JsonDocument.Parse(CniConflist.Render("test-net", socket: null));
        var root = doc.RootElement;
        Assert.Equal("1.0.0", root.GetProperty("cniVersion").GetString());
        Assert.Equal("test-net", root.GetProperty("name").GetString());
        var plugins = root.GetProperty("plugins");
        Assert.Equal(2, plugins.GetArrayLength());
        Assert.Equal("weft", plugins[0].GetProperty("type").GetString());
        Assert.Equal("test-net", plugins[0].GetProperty("network").GetString());
        Assert.True(plugins[0].GetProperty("capabilities").GetProperty("aliases").GetBoolean());
        Assert.False(plugins[0].TryGetProperty("socket", out _));
        Assert.Equal("portmap", plugins[1].GetProperty("type").GetString());
        Assert.True(plugins[1].GetProperty("capabilities").GetProperty("portMappings").GetBoolean());

        using var lab = JsonDocument.Parse(CniConflist.Render("n", "/var/lib/weft/lab/h1/run/weft.sock", "1.1.0"));
        Assert.Equal("1.1.0", lab.RootElement.GetProperty("cniVersion").GetString());
        Assert.Equal("/var/lib/weft/lab/h1/run/weft.sock", lab.RootElement.GetProperty("plugins")[0].GetProperty("socket").GetString());
        Assert.Equal("10-weft-n.conflist", CniConflist.FileName("n"));
    }

    [Fact]
    public async Task Install_writes_the_file_and_prints_its_path()
    {
        var dir = Directory.CreateTempSubdirectory("wtt-cni-");
        try
        {
            var result = await InProcessCli.RunAsync("cni", "config", "web-net", "--install", dir.FullName, "--socket", "/run/weft/weft.sock");
            Assert.True(result.ExitCode == 0, result.Stderr);
            var path = Path.Combine(dir.FullName, "10-weft-web-net.conflist");
            Assert.Equal(path, result.Stdout.Trim());
            Assert.Equal(CniConflist.Render("web-net", null), File.ReadAllText(path));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
