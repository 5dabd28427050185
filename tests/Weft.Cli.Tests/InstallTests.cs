using System.Diagnostics;
using Weft.Testing;

namespace Weft.Cli.Tests;

/// <summary>
/// The package as an operator gets it: scripts/check-install.sh installs the .deb with dpkg into a fresh root that
/// holds only the C library and a shell (no .NET runtime or SDK), and runs `weft --version` and `weft agent --help`
/// there. The .deb is $WEFT_DEB (scripts/test.sh builds and exports it), else the last one scripts/package.sh built.
/// </summary>
[RequiresRoot]
public sealed class InstallTests
{
    [Fact]
    public async Task The_deb_installs_on_a_fresh_root_without_dotnet_and_weft_runs_there()
    {
        var repo = RepositoryRoot();
        var deb = Environment.GetEnvironmentVariable("WEFT_DEB") is { Length: > 0 } given ? given
            : Directory.GetFiles(Path.Combine(repo, "artifacts", "package"), "weft_*_amd64.deb").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
              ?? throw new FileNotFoundException("no .deb: set WEFT_DEB or run scripts/package.sh (scripts/test.sh does both)");

        var psi = new ProcessStartInfo(Path.Combine(repo, "scripts", "check-install.sh"), [deb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var check = Process.Start(psi)!;
        var output = check.StandardOutput.ReadToEndAsync();
        var error = check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();

        Assert.True(check.ExitCode == 0, $"check-install.sh {deb}: exit {check.ExitCode}\n{await output}\n{await error}");
        Assert.Contains("installed weft --version: 0.", await output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Weft.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no Weft.slnx above {AppContext.BaseDirectory}");
    }
}
