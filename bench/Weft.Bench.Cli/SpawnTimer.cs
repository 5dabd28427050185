using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Weft.Bench;

/// <summary>
/// Times one command from spawn to exit, as `perf stat` or hyperfine do: posix_spawnp and wait4 straight from libc, the
/// output into memory files. Process.Start added about 6 ms to every call here (pipes, its SIGCHLD thread, async reads):
/// more than the commands measured take, on both sides of a ratio (`weft --version`: 9-10 ms through Process.Start,
/// 3.4 ms under `perf stat`). wait4 also gives the child's CPU time.
/// </summary>
internal static unsafe partial class SpawnTimer
{
    public readonly record struct Run(double WallMs, double CpuMs, int ExitCode, string Output, string Error);

    private const string Libc = "libc.so.6";
    private const uint MFD_CLOEXEC = 1;

    public static Run Time(IReadOnlyList<string> argv)
    {
        using var output = MemoryFile("stdout");
        using var error = MemoryFile("stderr");
        var actions = stackalloc byte[256]; // posix_spawn_file_actions_t is 80 bytes in glibc
        var rusage = stackalloc long[32]; // struct rusage: 144 bytes
        var strings = argv.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        try
        {
            var args = stackalloc nint[strings.Length + 1];
            for (var i = 0; i < strings.Length; i++) args[i] = strings[i];
            args[strings.Length] = 0;
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            try
            {
                Check(posix_spawn_file_actions_adddup2(actions, (int)output.DangerousGetHandle(), 1), "adddup2");
                Check(posix_spawn_file_actions_adddup2(actions, (int)error.DangerousGetHandle(), 2), "adddup2");
                var clock = Stopwatch.StartNew();
                Check(posix_spawnp(out var pid, argv[0], actions, null, args, Environ()), $"posix_spawnp {argv[0]}");
                int status;
                while (wait4(pid, &status, 0, rusage) < 0)
                {
                    if (Marshal.GetLastPInvokeError() != 4) throw new InvalidOperationException($"wait4: errno {Marshal.GetLastPInvokeError()}"); // EINTR: again
                }
                var wall = clock.Elapsed.TotalMilliseconds;
                // ru_utime and ru_stime, each a timeval (seconds, microseconds).
                var cpu = ((rusage[0] + rusage[2]) * 1000.0) + ((rusage[1] + rusage[3]) / 1000.0);
                var exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
                return new Run(wall, cpu, exit, ReadAll(output), ReadAll(error));
            }
            finally
            {
                _ = posix_spawn_file_actions_destroy(actions);
            }
        }
        finally
        {
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
        }
    }

    private static SafeFileHandle MemoryFile(string name)
    {
        var fd = memfd_create(name, MFD_CLOEXEC);
        return fd < 0 ? throw new InvalidOperationException($"memfd_create: errno {Marshal.GetLastPInvokeError()}") : new SafeFileHandle(fd, ownsHandle: true);
    }

    private static string ReadAll(SafeFileHandle file)
    {
        var bytes = new byte[RandomAccess.GetLength(file)];
        var read = RandomAccess.Read(file, bytes, 0);
        return Encoding.UTF8.GetString(bytes, 0, read);
    }

    private static void Check(int error, string what)
    {
        if (error != 0) throw new InvalidOperationException($"{what}: error {error}");
    }

    /// <summary>This process's environment as the child gets it (glibc's `environ`).</summary>
    private static nint* Environ() => *(nint**)NativeLibrary.GetExport(NativeLibrary.Load(Libc), "environ");

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int memfd_create(string name, uint flags);

    [LibraryImport(Libc)]
    private static partial int posix_spawn_file_actions_init(byte* actions);

    [LibraryImport(Libc)]
    private static partial int posix_spawn_file_actions_adddup2(byte* actions, int fd, int newFd);

    [LibraryImport(Libc)]
    private static partial int posix_spawn_file_actions_destroy(byte* actions);

    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int posix_spawnp(out int pid, string file, byte* actions, void* attributes, nint* argv, nint* envp);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int wait4(int pid, int* status, int options, long* rusage);
}
