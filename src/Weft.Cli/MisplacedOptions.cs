using System.CommandLine;
using System.CommandLine.Parsing;

namespace Weft.Cli;

/// <summary>
/// Docker's rule for where options end: at `--`, or at the first positional argument. System.CommandLine hands an
/// option it does not know to the next argument that will take it (a `run` or `exec` COMMAND, which captures
/// everything after it), so `weft run -d --name a --frob x -- sleep 1` would run `--frob`. This finds such a
/// token for every command at once: one that looks like an option, bound to a command's argument, before any `--`.
/// </summary>
internal static class MisplacedOptions
{
    /// <summary>The first option-like token bound to an argument, or null when every argument is a real positional.</summary>
    public static string? Find(ParseResult parseResult)
    {
        var tokens = parseResult.Tokens;
        var doubleDash = IndexWhere(tokens, t => t.Type == TokenType.DoubleDash);
        for (SymbolResult? current = parseResult.CommandResult; current is CommandResult command; current = command.Parent)
        {
            foreach (var argument in command.Children.OfType<ArgumentResult>())
            {
                // A COMMAND owns everything after its first word (`ip -br addr`), so only that first word must not be an option.
                var bound = argument.Argument.CaptureRemainingTokens ? argument.Tokens.Take(1) : argument.Tokens;
                foreach (var token in bound.Where(t => LooksLikeOption(t.Value)))
                {
                    var position = IndexWhere(tokens, t => ReferenceEquals(t, token));
                    if (doubleDash < 0 || position < 0 || position < doubleDash)
                    {
                        return token.Value;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>`-x`, `--name`, `---`; not `-` alone (a file name meaning stdin, by custom).</summary>
    public static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-';

    private static int IndexWhere(IReadOnlyList<Token> tokens, Func<Token, bool> match)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (match(tokens[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
