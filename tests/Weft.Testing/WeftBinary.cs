namespace Weft.Testing;

/// <summary>
/// The weft executable that agents of a test lab (and benchmarks) run: the published NativeAOT binary named by
/// <c>WEFT_BINARY</c>, which scripts/test.sh and bench/run publish once and export, so the end-to-end tests run what
/// ships. Without it (a bare <c>dotnet test</c>), the JIT build next to the tests: a project that builds labs
/// references src/Weft.Cli, so that the `weft` apphost is copied next to its assembly.
/// </summary>
public static class WeftBinary
{
    public const string EnvironmentVariable = "WEFT_BINARY";

    public static IReadOnlyList<string> Command { get; } = Locate();

    private static IReadOnlyList<string> Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } published)
        {
            return File.Exists(published) ? [Path.GetFullPath(published)]
                : throw new FileNotFoundException($"{EnvironmentVariable}={published}: no such file (run scripts/publish.sh)");
        }
        var apphost = Path.Combine(AppContext.BaseDirectory, "weft");
        if (File.Exists(apphost))
        {
            return [apphost];
        }
        var dll = Path.Combine(AppContext.BaseDirectory, "weft.dll");
        return File.Exists(dll) ? ["dotnet", dll] : throw new FileNotFoundException($"weft is not built next to the tests in {AppContext.BaseDirectory}");
    }
}
