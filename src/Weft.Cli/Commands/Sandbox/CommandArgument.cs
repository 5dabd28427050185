using System.CommandLine;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>
/// The COMMAND [ARGS...] at the end of `run` and `exec`. Everything from the command on belongs to it, options
/// included, as with `docker run IMAGE ls -l`; a `--` before it is accepted too.
/// </summary>
internal static class CommandArgument
{
    public static Argument<string[]> Create(string description) => new("COMMAND")
    {
        Description = description,
        Arity = ArgumentArity.OneOrMore,
        CaptureRemainingTokens = true,
    };
}
