using Weft.Api;

namespace Weft.Cli.Output;

/// <summary>
/// `weft doctor` for people: one line per finding, marked by severity, the fix indented under a problem, and a count
/// at the end. Problems come first so they are not lost above a screenful of "ok".
/// </summary>
internal static class DoctorOutput
{
    private static readonly string[] Order = ["error", "warning", "info", "ok"];

    public static void Write(TextWriter writer, DoctorReport report)
    {
        foreach (var f in report.Findings.OrderBy(f => Array.IndexOf(Order, f.Severity)))
        {
            writer.WriteLine($"{Mark(f.Severity),-7} {f.Check,-18} {f.Message}");
            if (f.Fix is { } fix)
            {
                writer.WriteLine($"{"",-7} {"",-18} fix: {fix}");
            }
        }
        writer.WriteLine(report.Healthy
            ? $"{report.Host}: no errors, {report.Warnings} warning(s)"
            : $"{report.Host}: {report.Errors} error(s), {report.Warnings} warning(s)");
    }

    private static string Mark(string severity) => severity switch
    {
        "error" => "ERROR",
        "warning" => "WARN",
        "info" => "INFO",
        _ => "ok",
    };
}
