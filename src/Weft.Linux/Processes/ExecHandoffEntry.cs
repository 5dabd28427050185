using System.Text;
using Weft.Linux.Interop;

namespace Weft.Linux.Processes;

/// <summary>
/// `weft-exec LOG -- COMMAND...` (see <see cref="ExecHandoff"/>): the whole of its own small executable,
/// so it costs only the executable's start-up. It keeps the inherited stderr (the starter's error pipe) as a close-on-exec
/// copy, makes stdin /dev/null and stdout and stderr the log, marks every other descriptor close-on-exec, and execs the
/// command in its own place, so the pid stays the one the starter saw. The pipe thus closes empty exactly when the
/// command's exec succeeded; when it fails, the pipe carries Docker's words for why (`exec: "foo": exec format error`)
/// and the exit code is 127 (not found) or 126.
/// </summary>
public static unsafe class ExecHandoffEntry
{
    private const int SetupFailed = 125;
    private const int NotExecutable = 126;
    private const int NotFound = 127;

    /// <summary>What a shell searches when PATH is unset (the launcher's script uses the same), and a sandbox's PATH unless it sets one.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Runs the handoff; returns only when the command did not start, with the exit code to end with.</summary>
    public static int Run(ReadOnlySpan<string> args)
    {
        if (args.Length < 3 || args[1] != "--")
        {
            return Fail(2, SetupFailed, $"usage: {ExecHandoff.ExecutableName} LOG -- COMMAND [ARG...]");
        }
        var log = args[0];
        var command = args[2..];

        // The error pipe survives the redirections below only as this copy, which a successful exec closes.
        var errors = Libc.Fcntl(2, Libc.F_DUPFD_CLOEXEC, 3);
        if (errors < 0)
        {
            return Fail(2, SetupFailed, $"dup stderr: {Reason(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
        }
        var (path, lookupFailure, lookupCode) = Lookup(command[0]);
        if (path is null)
        {
            return Fail(errors, lookupCode, $"exec: \"{command[0]}\": {lookupFailure}");
        }
        if (Redirect(log) is { } redirectFailure)
        {
            return Fail(errors, SetupFailed, redirectFailure);
        }
        try
        {
            // The command starts with stdin, stdout and stderr only, as a container's does (the error pipe closes at the exec).
            // The starter marked its own before it forked us, but another of its threads may have opened one since.
            InheritedDescriptors.CloseOnExec();
        }
        catch (KernelException e)
        {
            return Fail(errors, SetupFailed, e.Message);
        }
        ResetSignals();

        var errno = Exec(path, command);
        return Fail(errors, errno == Errno.ENOENT ? NotFound : NotExecutable, $"exec: \"{command[0]}\": {Reason(errno)}");
    }

    /// <summary>
    /// The file exec will run, found as the launcher's script and Docker find it: a name with a slash as it is, any other in
    /// PATH, the first regular executable file. Null with Docker's words when there is none.
    /// </summary>
    private static (string? Path, string Failure, int Code) Lookup(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return Directory.Exists(name) ? NotStarted("is a directory", NotExecutable)
                : IsExecutableFile(name) ? (name, "", 0)
                : File.Exists(name) ? NotStarted("permission denied", NotExecutable)
                : NotStarted($"stat {name}: no such file or directory", NotFound);
        }
        var denied = false;
        var searchPath = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : DefaultPath;
        foreach (var directory in searchPath.Split(':'))
        {
            var candidate = $"{(directory.Length == 0 ? "." : directory)}/{name}";
            if (IsExecutableFile(candidate))
            {
                return (candidate, "", 0);
            }
            denied |= File.Exists(candidate) || Directory.Exists(candidate);
        }
        return denied ? NotStarted("permission denied", NotExecutable) : NotStarted("executable file not found in $PATH", NotFound);
    }

    private static (string? Path, string Failure, int Code) NotStarted(string failure, int code) => (null, failure, code);

    private static bool IsExecutableFile(string path) => File.Exists(path) && Libc.Access(path, Libc.X_OK) == 0;

    /// <summary>stdin from /dev/null, stdout and stderr appended to the log (created as a shell's `>>` would); null when done.</summary>
    private static string? Redirect(string log)
    {
        var logFd = Libc.Open(log, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_110_110);
        if (logFd < 0)
        {
            return $"open {log}: {Reason(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}";
        }
        var nullFd = Libc.Open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (nullFd < 0)
        {
            return $"open /dev/null: {Reason(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}";
        }
        // dup2 clears close-on-exec on the copies, which the command keeps; the originals close at the exec.
        if (Libc.Dup2(nullFd, 0) < 0 || Libc.Dup2(logFd, 1) < 0 || Libc.Dup2(logFd, 2) < 0)
        {
            return $"redirect to {log}: {Reason(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}";
        }
        return null;
    }

    /// <summary>
    /// The runtime ignores SIGPIPE and may block signals, and an ignored signal or a blocked mask survives exec: the command
    /// gets every signal at its default and none blocked, as a shell's exec or a container would give it.
    /// </summary>
    private static void ResetSignals()
    {
        for (var signal = 1; signal < Libc.NSIG; signal++)
        {
            Libc.Signal(signal, 0); // SIG_DFL; SIGKILL, SIGSTOP and the C library's own refuse, which is fine.
        }
        var empty = stackalloc byte[128];
        new Span<byte>(empty, 128).Clear();
        Libc.SigProcMask(Libc.SIG_SETMASK, empty, null);
    }

    /// <summary>execv of <paramref name="path"/> with <paramref name="argv"/>; returns the errno when it failed.</summary>
    private static int Exec(string path, ReadOnlySpan<string> argv)
    {
        var strings = new byte[argv.Length + 1][];
        strings[0] = NullTerminated(path);
        for (var i = 0; i < argv.Length; i++)
        {
            strings[i + 1] = NullTerminated(argv[i]);
        }
        var handles = new System.Runtime.InteropServices.GCHandle[strings.Length];
        try
        {
            for (var i = 0; i < strings.Length; i++)
            {
                handles[i] = System.Runtime.InteropServices.GCHandle.Alloc(strings[i], System.Runtime.InteropServices.GCHandleType.Pinned);
            }
            var pointers = stackalloc byte*[argv.Length + 1];
            for (var i = 0; i < argv.Length; i++)
            {
                pointers[i] = (byte*)handles[i + 1].AddrOfPinnedObject();
            }
            pointers[argv.Length] = null;
            Libc.Execv((byte*)handles[0].AddrOfPinnedObject(), pointers);
            return System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        }
        finally
        {
            foreach (var handle in handles)
            {
                if (handle.IsAllocated)
                {
                    handle.Free();
                }
            }
        }
    }

    private static byte[] NullTerminated(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <summary>The C library's text in Go's (and so Docker's) case: "exec format error".</summary>
    private static string Reason(int errno) => Errno.Describe(errno) is { Length: > 0 } text ? char.ToLowerInvariant(text[0]) + text[1..] : Errno.Name(errno);

    private static int Fail(int fd, int code, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message + "\n");
        fixed (byte* p = bytes)
        {
            Libc.Write(fd, p, bytes.Length);
        }
        return code;
    }
}
