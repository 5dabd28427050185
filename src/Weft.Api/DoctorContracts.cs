namespace Weft.Api;

// `weft doctor`: the agent's part (GET /v1/doctor, what only the agent knows: the cluster, the store) and the report
// the CLI prints with --format json. Documented in docs/api.md.

/// <summary>GET /v1/doctor: this agent's view of the cluster and the store, for `weft doctor` to check.</summary>
public sealed record DoctorClusterView(
    string Host,
    string HostId,
    string UnderlayAddress,
    string UnderlayDevice,
    int UnderlayMtu,
    DoctorStoreView Store,
    IReadOnlyList<DoctorHostView> Hosts,
    IReadOnlyList<DoctorNetworkView> Networks,
    bool ProbeResponder,
    string? ProbeResponderError);

/// <summary>
/// The store as this agent sees it now: one read's round trip, and the store server's clock against this host's
/// (<see cref="ClockSkewMs"/> null when the store has no clock of its own: the embedded store is a file on this machine).
/// </summary>
public sealed record DoctorStoreView(string Location, bool Reachable, string? Error, double? LatencyMs, double? ClockSkewMs, double? ClockUncertaintyMs);

/// <summary>A host the store knows: alive (its record's lease holds) or not, with the routes it published at its start.</summary>
public sealed record DoctorHostView(string Id, string Name, string Address, bool Alive, IReadOnlyList<string> Routes);

/// <summary>A network and its subnets, to check against every host's routes.</summary>
public sealed record DoctorNetworkView(string Name, string Driver, IReadOnlyList<string> Subnets, int Mtu);

/// <summary>`weft doctor --format json`: every finding, and whether any is an error (the exit code).</summary>
public sealed record DoctorReport(string Host, bool Healthy, int Errors, int Warnings, IReadOnlyList<DoctorFinding> Findings);

/// <summary>
/// One thing doctor checked. <see cref="Severity"/> is ok, info (worth knowing, nothing to fix), warning (works, but
/// may bite) or error (something Weft needs is missing); <see cref="Fix"/> is the command that fixes it.
/// </summary>
public sealed record DoctorFinding(string Check, string Severity, string Message, string? Subject = null, string? Fix = null);
