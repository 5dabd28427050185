using System.Text.Json;
using System.Text.Json.Serialization;
using Weft.Api;

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
internal sealed partial class CliJsonContext : JsonSerializerContext;
