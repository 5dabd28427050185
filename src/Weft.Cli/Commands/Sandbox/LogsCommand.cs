using System.CommandLine;

namespace Weft.Cli.Commands.Sandbox;

/// <summary>
/// `weft logs`: what a detached sandbox's command wrote (stdout and stderr, interleaved as written), read from its
/// output.log beside its resolv.conf on this host. -f follows the file, as `tail -f` does, until Ctrl-C. Under
/// `--format json` each line is one JSON object, {"line":…} (JSON Lines), also while following.
/// </summary>
internal sealed class LogsCommand : WeftCommand
{
    /// <summary>How often -f looks for new output: quick enough to feel live, rare enough to cost nothing.</summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(200);

    private readonly Option<bool> _follow = new("--follow", "-f")
    {
        Description = "Keep printing new output until Ctrl-C",
    };

    private readonly Option<int?> _tail = new("--tail", "-n")
    {
        Description = "Only the last N lines [default: all]",
        HelpName = "N",
    };

    private readonly Argument<string> _sandbox = new("SANDBOX") { Description = "Sandbox name, on this host" };

    public LogsCommand(CliContext context)
        : base(context, "logs", "Print the output of a sandbox's command (run -d); needs root, on the sandbox's host", JsonOutput.Prints("JSON Lines: {\"line\"} per line of output, also while -f follows"))
    {
        Add(_follow);
        Add(_tail);
        Add(_sandbox);
    }

    /// <summary>Text as it is; under `--format json` as JSON Lines, one {"line":…} per line.</summary>
    private Task Write(JsonLogWriter? json, string text)
    {
        if (json is null)
        {
            return Context.Out.WriteAsync(text);
        }

        json.Write(text);
        return Task.CompletedTask;
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(_tail) is < 0)
        {
            throw new UsageException($"--tail must be 0 or more, not {parseResult.GetValue(_tail)}");
        }

        using var agent = Context.ConnectToAgent(parseResult);
        var sandbox = await agent.InspectSandboxAsync(parseResult.GetRequiredValue(_sandbox), cancellationToken);
        var path = sandbox.ResolvConf is { } resolvConf ? Path.Combine(Path.GetDirectoryName(resolvConf)!, "output.log") : null;
        if (path is null || !File.Exists(path))
        {
            throw new UsageException(sandbox.Command.Count == 0
                ? $"sandbox {sandbox.Name} has no log: the agent started no command in it (only `weft run -d` does)"
                : $"sandbox {sandbox.Name} has no log on this host (it runs on {sandbox.Host})");
        }

        await using var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(log);
        var output = Context.FormatOf(parseResult) == OutputFormat.Json ? new JsonLogWriter(Context.Out) : null;
        if (parseResult.GetValue(_tail) is { } tail)
        {
            var lines = new Queue<string>();
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                lines.Enqueue(line);
                if (lines.Count > tail)
                {
                    lines.Dequeue();
                }
            }

            foreach (var line in lines)
            {
                await Write(output, line + "\n");
            }
        }
        else
        {
            await Write(output, await reader.ReadToEndAsync(cancellationToken));
        }

        await Context.Out.FlushAsync(cancellationToken);
        while (parseResult.GetValue(_follow) && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FollowInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break; // Ctrl-C ends a follow; that is how it is meant to end.
            }

            if (await reader.ReadToEndAsync(CancellationToken.None) is { Length: > 0 } more)
            {
                await Write(output, more);
                await Context.Out.FlushAsync(CancellationToken.None);
            }
        }

        output?.Flush();
        return ExitCodes.Success;
    }
}

/// <summary>
/// Output as JSON Lines, {"line":…} per line: text arrives in pieces (what -f found new), so a line without its newline
/// yet waits for the rest; one left at the end (a last line with no newline) is written by <see cref="Flush"/>.
/// </summary>
internal sealed class JsonLogWriter(TextWriter output)
{
    private readonly System.Text.StringBuilder _partial = new();

    public void Write(string text)
    {
        var start = 0;
        for (var newline = text.IndexOf('\n', start); newline >= 0; newline = text.IndexOf('\n', start))
        {
            _partial.Append(text, start, newline - start);
            WriteLine();
            start = newline + 1;
        }

        _partial.Append(text, start, text.Length - start);
    }

    public void Flush()
    {
        if (_partial.Length > 0)
        {
            WriteLine();
        }
    }

    private void WriteLine()
    {
        output.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Output.LogLine(_partial.ToString()), Output.CliJsonContext.Lines.LogLine));
        _partial.Clear();
    }
}
