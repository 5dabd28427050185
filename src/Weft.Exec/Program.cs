using Weft.Linux.Processes;

namespace Weft.Exec;

/// <summary>`weft-exec LOG -- COMMAND [ARG...]`: see <see cref="ExecHandoffEntry"/>. Returns only when the command did not start.</summary>
internal static class Program
{
    public static int Main(string[] args) => ExecHandoffEntry.Run(args);
}
