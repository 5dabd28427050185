namespace Weft.Cli;

/// <summary>Where the CLI writes: the process's stdout and stderr, or string writers when a test runs it in-process.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    public static CliConsole FromProcess() => new(Console.Out, Console.Error);
}
