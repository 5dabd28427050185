using Weft.Linux.Interop;

namespace Weft.Linux.Processes;

/// <summary>The process's C heap (glibc malloc: SQLite's page cache, the runtime's own allocations).</summary>
public static class NativeHeap
{
    /// <summary>
    /// Returns the free pages of every malloc arena to the kernel (malloc_trim(0)). glibc gives memory back only from
    /// the top of the main heap by itself; what a burst freed in the middle, or in a thread's arena, stays resident.
    /// </summary>
    /// <returns>Whether any memory went back.</returns>
    public static bool Trim() => Libc.MallocTrim(0) == 1;
}
