namespace Weft.Testing;

/// <summary>
/// The weft executable built next to the tests: agents of a test lab run it. A project that builds labs references
/// src/Weft.Cli, so that the `weft` apphost is copied next to its assembly.
/// </summary>
public static class WeftBinary
{
    public static IReadOnlyList<string> Command { get; } = Locate();

    private static IReadOnlyList<string> Locate()
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "weft");
        if (File.Exists(apphost))
        {
            return [apphost];
        }
        var dll = Path.Combine(AppContext.BaseDirectory, "weft.dll");
        return File.Exists(dll) ? ["dotnet", dll] : throw new FileNotFoundException($"weft is not built next to the tests in {AppContext.BaseDirectory}");
    }
}
