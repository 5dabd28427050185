using Weft.Api;
using Weft.Cli.Execution;

namespace Weft.Cli.Tests.Support;

/// <summary>Records what the CLI asked to run in a sandbox, and answers with a chosen exit code or failure.</summary>
internal sealed class FakeProcessRunner(int exitCode = 0, Exception? failure = null) : ISandboxProcessRunner
{
    public List<(SandboxDetail Sandbox, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Environment)> Runs { get; } = [];

    public Task<int> RunAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        Runs.Add((sandbox, command, environment));
        return failure is null ? Task.FromResult(exitCode) : Task.FromException<int>(failure);
    }

    /// <summary>Answers a collecting run with <see cref="Output"/> on stdout and <see cref="Errors"/> on stderr.</summary>
    public async Task<CollectedOutput> RunCollectingAsync(SandboxDetail sandbox, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment,
        CancellationToken cancellationToken) =>
        new(await RunAsync(sandbox, command, environment, cancellationToken), Output, Errors);

    public string Output { get; init; } = "";

    public string Errors { get; init; } = "";
}
