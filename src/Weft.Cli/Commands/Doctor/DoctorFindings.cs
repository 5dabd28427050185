using Weft.Api;

namespace Weft.Cli.Commands.Doctor;

/// <summary>The severities of a finding, as the JSON spells them, and the report they add up to.</summary>
internal static class DoctorFindings
{
    public const string Ok = "ok", Info = "info", Warning = "warning", Error = "error";

    /// <summary>Errors make the report unhealthy (exit 1); warnings are printed and keep exit 0.</summary>
    public static DoctorReport Report(string host, IReadOnlyList<DoctorFinding> findings)
    {
        var errors = findings.Count(f => f.Severity == Error);
        return new DoctorReport(host, errors == 0, errors, findings.Count(f => f.Severity == Warning), findings);
    }
}
