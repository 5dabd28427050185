namespace Weft.Cli;

/// <summary>
/// What `weft` exits with. A command run in a sandbox (exec, foreground run) exits with its own code instead;
/// 126 and 127 follow the shell (and `docker run`) for a command that cannot be started.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The agent refused the request, could not be reached, or the kernel refused a step.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong; nothing was sent to the agent.</summary>
    public const int Usage = 2;

    /// <summary>The caller cancelled the run (128 + SIGINT, as a shell reports Ctrl-C).</summary>
    public const int Interrupted = 130;

    /// <summary>
    /// The agent could not set a detached command's sandbox up (`docker run` uses 125 for its own failures). `run -d` of a
    /// command the agent could not start exits with the code its exec-failed error carries, as `docker run -d` does:
    /// 127 not found (also a script whose interpreter is missing), 126 not executable, 125 setup.
    /// </summary>
    public const int SetupFailed = 125;
    public const int CommandNotExecutable = 126;
    public const int CommandNotFound = 127;
}
