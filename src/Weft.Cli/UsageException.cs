namespace Weft.Cli;

/// <summary>
/// The options parse but do not make sense together (say --ip without --net). Reported like a parse error:
/// one line, exit code 2, and nothing is sent to the agent.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
