namespace Weft.Linux.Diagnostics;

/// <summary>Sysctls of the calling thread's namespace, read from /proc/sys.</summary>
public static class Sysctls
{
    /// <summary>The value of a key such as "net.ipv4.ip_forward"; null when the kernel has no such key (a module not loaded).</summary>
    public static string? Read(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var path = "/proc/sys/" + key.Replace('.', '/');
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
