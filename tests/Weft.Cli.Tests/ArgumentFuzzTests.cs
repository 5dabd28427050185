using System.CommandLine;
using Weft.Cli.Commands.Sandbox;
using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>
/// A property test of the command line (issue 19): random mixes of valid options, unknown and malformed ones, `--`,
/// and commands whose own arguments look like options, parsed by the real command tree. No line with an unknown or
/// malformed option may be accepted, and an accepted line runs exactly the command that was written. Seeded, so a
/// failure names the seed and the line, and reruns the same way.
/// </summary>
public class ArgumentFuzzTests
{
    private const int Cases = 3000;

    /// <summary>A piece of a command line: its words, and whether it must make the line refused.</summary>
    private sealed record Piece(string[] Words, bool Bad);

    [Theory]
    [InlineData(1901)]
    [InlineData(424242)]
    public void No_line_with_an_unknown_or_malformed_option_runs_a_command(int seed)
    {
        var random = new Random(seed);
        var context = new CliContext(new CliConsole(TextWriter.Null, TextWriter.Null), new FakeProcessRunner());
        var root = WeftCli.BuildRoot(context, Program.CommandGroups);
        for (var i = 0; i < Cases; i++)
        {
            var exec = random.Next(3) == 0;
            var (words, bad, command) = Line(random, exec);
            var line = string.Join(' ', words.Select(w => $"[{w}]"));
            var (parsed, refused) = WeftCli.Parse(root, words);
            var refusal = refused ?? Request(parsed);

            if (bad.Count > 0)
            {
                Assert.True(refusal is not null, $"seed {seed} case {i}: accepted a line with {string.Join(", ", bad)}: {line}");
                Assert.True(bad.Any(b => refusal.Contains(b, StringComparison.Ordinal) || refusal.Contains(b.Split('=')[0], StringComparison.Ordinal)),
                    $"seed {seed} case {i}: the refusal '{refusal}' names none of {string.Join(", ", bad)}: {line}");
            }
            else
            {
                Assert.True(refusal is null, $"seed {seed} case {i}: refused a good line ({refusal}): {line}");
                Assert.Equal(command, parsed.GetRequiredValue<string[]>("COMMAND"));
            }
        }
    }

    /// <summary>`run`'s own checks of options that parse but do not fit together; null when the request would be sent.</summary>
    private static string? Request(ParseResult parsed)
    {
        if (parsed.CommandResult.Command is not RunCommand run)
        {
            return null;
        }

        try
        {
            run.ToRequest(parsed, _ => null);
            return null;
        }
        catch (UsageException e)
        {
            return e.Message;
        }
    }

    private static (string[] Words, List<string> Bad, string[] Command) Line(Random random, bool exec)
    {
        var pieces = new List<Piece>();
        if (!exec)
        {
            // --ip and --alias need a --net before they mean anything; always give one so they stay valid.
            pieces.Add(new Piece(["--net", Word(random)], false));
        }

        var count = random.Next(0, 6);
        var single = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var piece = exec ? GoodExecOption(random) : GoodRunOption(random);
            // An option that takes one value, given twice, is refused by name (the parser's rule, not Docker's last-wins).
            var flag = piece.Words[0].Split('=')[0];
            if (flag is "--name" or "--hostname" or "--ip" or "-d" or "-i" or "-it" && !single.Add(flag is "-it" ? "-i" : flag))
            {
                continue;
            }

            pieces.Add(piece);
        }

        if (random.Next(2) == 0)
        {
            pieces.Insert(random.Next(pieces.Count + 1), BadOption(random, exec));
        }

        var doubleDash = random.Next(2) == 0;
        var command = new List<string> { doubleDash && random.Next(4) == 0 ? "-" + Word(random) : Word(random) };
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            // After the command's first word, options belong to the command: `ip -br addr --help`.
            command.Add(random.Next(3) switch { 0 => "--" + Word(random), 1 => "-" + (char)('a' + random.Next(26)), _ => Word(random) });
        }

        var words = new List<string> { exec ? "exec" : "run" };
        words.AddRange(pieces.SelectMany(p => p.Words));
        if (exec)
        {
            words.Add(Word(random));
        }

        if (doubleDash)
        {
            words.Add("--");
        }

        words.AddRange(command);
        return ([.. words], [.. pieces.Where(p => p.Bad).Select(p => p.Words[0])], [.. command]);
    }

    private static Piece GoodRunOption(Random random) => random.Next(12) switch
    {
        0 => new(["-d"], false),
        1 => new(["--name", Word(random)], false),
        2 => new([$"--name={Word(random)}"], false),
        3 => new(["--network", Word(random)], false),
        4 => new(["--alias", Word(random)], false),
        5 => new(["--network-alias", Word(random)], false),
        6 => new(["--hostname", Word(random)], false),
        7 => new(["--add-host", $"{Word(random)}:10.0.0.{random.Next(1, 255)}"], false),
        8 => new(["-e", $"{Word(random).ToUpperInvariant()}={Word(random)}"], false),
        9 => new(["--env", $"K{random.Next(100)}=v"], false),
        10 => new(["--ip", $"10.0.0.{random.Next(2, 255)}"], false),
        _ => new([$"--hostname={Word(random)}"], false),
    };

    private static Piece GoodExecOption(Random random) => random.Next(4) switch
    {
        0 => new(["-i"], false),
        1 => new(["-it"], false),
        2 => new(["-e", $"A{random.Next(100)}=1"], false),
        _ => new(["--env", $"B{random.Next(100)}={Word(random)}"], false),
    };

    /// <summary>An option no command here knows, or a known one spelled wrong.</summary>
    private static Piece BadOption(Random random, bool exec) => random.Next(7) switch
    {
        0 => new(["--x" + Word(random)], true),
        1 => new(["-" + "ZQXYWVU"[random.Next(7)]], true),
        2 => new([(exec ? "-i" : "-d") + "ZQ"[random.Next(2)]], true),
        3 => new(["---name", Word(random)], true),
        4 => new([exec ? "--interactive=perhaps" : "--detach=perhaps"], true),
        5 => new(["-" + random.Next(1, 100)], true),
        _ => new(["--net-work", Word(random)], true),
    };

    private static string Word(Random random)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        var length = random.Next(1, 8);
        return string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = letters[r.Next(letters.Length)];
            }
        });
    }
}
