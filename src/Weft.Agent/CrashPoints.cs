using System.Diagnostics;

namespace Weft.Agent;

/// <summary>
/// Named points inside the agent's multi-step operations where the crash tests make it die, exactly as a SIGKILL at that
/// moment would: no cleanup, no flush, nothing but what is already on disk and in the kernel. Inert unless the agent was
/// started with <c>WEFT_CRASH_AT=POINT</c>; the tests start it so and then check what the next start makes of the debris.
/// </summary>
public static class CrashPoints
{
    public const string Variable = "WEFT_CRASH_AT";

    private static readonly string? Armed = Environment.GetEnvironmentVariable(Variable);

    public static void Reached(string point)
    {
        if (Armed is not null && string.Equals(Armed, point, StringComparison.Ordinal))
        {
            using var self = Process.GetCurrentProcess();
            self.Kill(); // SIGKILL
        }
    }
}
