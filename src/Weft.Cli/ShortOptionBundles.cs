using System.CommandLine;

namespace Weft.Cli;

/// <summary>
/// Docker's (pflag's) reading of a word like `-dit` or `-eA=1`: each letter is a short option; the first one that takes
/// a value takes the rest of the word (or else the next word). A letter the command does not know leaves the word
/// whole, and the word is then refused by name (`unknown option '-dQ'`). System.CommandLine's own bundling would read
/// `-dQ` as `-d Q`, and Q would become the COMMAND to run, so it is turned off and this expands the words first.
/// </summary>
internal static class ShortOptionBundles
{
    /// <summary>The parser's settings: bundles are expanded here, and no `@file` word is read as a response file.</summary>
    public static readonly ParserConfiguration Configuration = new()
    {
        EnablePosixBundling = false,
        ResponseFileTokenReplacer = null,
    };

    /// <summary>
    /// <paramref name="args"/> with every bundle of known short options written out, up to `--`, and, for a command that
    /// runs a COMMAND, up to its first positional word (everything after that is the COMMAND's own).
    /// </summary>
    /// <returns>The words, and why the line is refused when a word cannot mean anything (`--detach=maybe`).</returns>
    public static (IReadOnlyList<string> Words, string? Refusal) Expand(IReadOnlyList<string> args, ParseResult firstPass)
    {
        var path = new List<Command>();
        for (var current = firstPass.CommandResult; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, current.Command);
        }

        var leaf = path[^1];
        var commandNames = new HashSet<string>(path.Skip(1).SelectMany(c => c.Aliases.Append(c.Name)), StringComparer.Ordinal);
        var options = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (var command in path)
        {
            foreach (var option in command.Options.Where(o => command == leaf || o.Recursive))
            {
                foreach (var alias in option.Aliases.Append(option.Name))
                {
                    options.TryAdd(alias, option);
                }
            }
        }

        var stopAtPositional = leaf.Arguments.Any(a => a.CaptureRemainingTokens);
        var expanded = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            if (word == "--")
            {
                expanded.AddRange(args.Skip(i));
                break;
            }

            // `--name=x` is `--name x`; a flag given a value is refused here, since the parser would make the value a COMMAND.
            var delimiter = word.StartsWith("--", StringComparison.Ordinal) ? word.IndexOfAny(['=', ':']) : -1;
            if (delimiter > 2 && options.TryGetValue(word[..delimiter], out var withValue))
            {
                var value = word[(delimiter + 1)..];
                if (!TakesValue(withValue) && value is not ("true" or "false"))
                {
                    return (args, $"option '{word[..delimiter]}' takes no value, not '{value}'");
                }

                expanded.Add(word[..delimiter]);
                expanded.Add(value);
                continue;
            }

            if (options.TryGetValue(word, out var known))
            {
                expanded.Add(word);
                if (TakesValue(known) && i + 1 < args.Count)
                {
                    expanded.Add(args[++i]);
                }

                continue;
            }

            if (word.Length > 2 && word[0] == '-' && word[1] != '-' && Unbundle(word, options) is { } letters)
            {
                expanded.AddRange(letters.Words);
                if (letters.NeedsNextWord && i + 1 < args.Count)
                {
                    expanded.Add(args[++i]);
                }

                continue;
            }

            expanded.Add(word);
            if (stopAtPositional && word[0] != '-' && !commandNames.Contains(word))
            {
                expanded.AddRange(args.Skip(i + 1));
                break;
            }
        }

        return (expanded, null);
    }

    private static bool TakesValue(Option option) => option.Arity.MinimumNumberOfValues > 0;

    /// <summary>`-dit` → `-d -i -t`; `-eA=1` → `-e A=1`; null when a letter is not a short option of this command.</summary>
    private static (List<string> Words, bool NeedsNextWord)? Unbundle(string word, Dictionary<string, Option> options)
    {
        var words = new List<string>();
        for (var i = 1; i < word.Length; i++)
        {
            var alias = "-" + word[i];
            if (!options.TryGetValue(alias, out var option))
            {
                return null;
            }

            words.Add(alias);
            if (TakesValue(option))
            {
                if (i + 1 < word.Length)
                {
                    words.Add(word[(i + 1)..]);
                    return (words, false);
                }

                return (words, true);
            }
        }

        return (words, false);
    }
}
