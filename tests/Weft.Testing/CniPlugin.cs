using System.Diagnostics;
using System.Text.Json;

namespace Weft.Testing;

/// <summary>
/// The real weft-cni executable, run the way a CNI runtime runs it: CNI_* in the environment, the config on stdin, the
/// result or error on stdout. <c>WEFT_CNI_BINARY</c> names the published NativeAOT binary (scripts/test.sh); without it,
/// the weft-cni beside the lab's weft (<see cref="WeftBinary"/>: bench/run publishes both into one directory), else the
/// JIT build next to the tests (a test project that drives it references src/Weft.Cni).
/// </summary>
public static class CniPlugin
{
    public const string EnvironmentVariable = "WEFT_CNI_BINARY";

    public static string Path { get; } = Locate();

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

        /// <summary>The error code of a failed call (the spec's error object on stdout).</summary>
        public int Code => Json.GetProperty("code").GetInt32();

        public override string ToString() => $"exit {ExitCode}: {Stdout} {Stderr}";
    }

    /// <summary>Runs one call; <paramref name="netns"/> null leaves CNI_NETNS empty, as containerd's DEL does.</summary>
    public static async Task<Outcome> RunAsync(string command, string config, string? containerId = null, string? netns = null, string? ifName = "eth0", string? args = null)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CNI_COMMAND"] = command;
        start.Environment["CNI_CONTAINERID"] = containerId ?? "";
        start.Environment["CNI_NETNS"] = netns ?? "";
        start.Environment["CNI_IFNAME"] = ifName ?? "";
        start.Environment["CNI_ARGS"] = args ?? "";
        start.Environment["CNI_PATH"] = "/usr/lib/cni";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Path} did not start");
        await process.StandardInput.WriteAsync(config);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(limit.Token);
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } published)
        {
            return File.Exists(published) ? System.IO.Path.GetFullPath(published)
                : throw new FileNotFoundException($"{EnvironmentVariable}={published}: no such file (run scripts/publish.sh)");
        }
        if (WeftBinary.Command is [var weft] && System.IO.Path.GetDirectoryName(weft) is { } directory
            && System.IO.Path.Combine(directory, "weft-cni") is var beside && File.Exists(beside))
        {
            return beside;
        }
        var apphost = System.IO.Path.Combine(AppContext.BaseDirectory, "weft-cni");
        return File.Exists(apphost) ? apphost : throw new FileNotFoundException($"weft-cni is not built next to the tests in {AppContext.BaseDirectory}");
    }
}
