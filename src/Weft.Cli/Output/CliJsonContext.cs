using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Weft.Api;
using Weft.Cli.Commands.Capture;
using Weft.Lab;

namespace Weft.Cli.Output;

/// <summary>`weft lab status --format json`: the lab, each host's agent as its own status shows it, and the networks.</summary>
internal sealed record LabStatusView(
    string Name,
    bool Routed,
    int Mtu,
    string StoreKind,
    string StoreUrl,
    bool StoreRunning,
    IReadOnlyList<LabHostView> Hosts,
    IReadOnlyList<NetworkSummary> Networks);

/// <summary>One lab host: its underlay address, its agent's process, and the agent's answer (null, with the error, when it gave none).</summary>
internal sealed record LabHostView(string Name, string Namespace, string Address, int? AgentPid, bool AgentRunning, AgentStatus? Agent, string? Error);

/// <summary>
/// JSON the CLI prints that is not one API answer (several inspected networks, the lab's status), spelled the same way
/// as <see cref="ApiJsonContext"/>: source-generated, no reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(NetworkDetail[]))]
[JsonSerializable(typeof(LabStatusView))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(CapturedPacket))]
[JsonSerializable(typeof(LogLine))]
[JsonSerializable(typeof(CommandRun))]
[JsonSerializable(typeof(LabRemoval))]
[JsonSerializable(typeof(LabActionView))]
[JsonSerializable(typeof(LabDemoStep))]
[JsonSerializable(typeof(InstalledFile))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The same shapes one object per line (JSON Lines: capture, logs, lab demo), fields that do not apply left out, text
    /// as it is (no \u escapes for → or quotes): a line a script reads with one parse, and `jq -c` would print alike.
    /// </summary>
    public static CliJsonContext Lines { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>`weft logs --format json`: one line of the command's output (its newline not included).</summary>
internal sealed record LogLine(string Line);

/// <summary>
/// `weft exec`, a foreground `weft run` and `weft lab exec` under `--format json`: the command, where it ran, its exit
/// code and its output, collected (as UTF-8 text). Sandbox is set by exec and run, Host by lab exec.
/// </summary>
internal sealed record CommandRun(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sandbox,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Host,
    IReadOnlyList<string> Command,
    int ExitCode,
    string Stdout,
    string Stderr);

/// <summary>`weft lab agent|partition|heal|store …` under `--format json`: what was done, and how it left things.</summary>
/// <param name="AgentPid">lab agent: the host's agent's pid now (left out once it was stopped or killed).</param>
/// <param name="Partitioned">lab partition and heal: whether the host is cut off its underlay now.</param>
/// <param name="Store">lab store: the store's state now, as `lab status` describes it.</param>
internal sealed record LabActionView(
    string Lab,
    string Action,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Host,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? AgentPid = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Partitioned = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StoreKind = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Store = null);

/// <summary>`weft cni config --install` under `--format json`: the file written.</summary>
internal sealed record InstalledFile(string Path);
