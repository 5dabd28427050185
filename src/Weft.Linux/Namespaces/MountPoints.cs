using Weft.Linux.Interop;

namespace Weft.Linux.Namespaces;

/// <summary>Mounts that Weft's tools make outside network namespaces (the lab's pinned mount namespaces).</summary>
public static class MountPoints
{
    /// <summary>Lazily unmounts <paramref name="path"/> (umount -l): false when nothing was mounted there.</summary>
    public static bool Detach(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Libc.Umount2(path, Libc.MNT_DETACH) == 0;
    }
}
