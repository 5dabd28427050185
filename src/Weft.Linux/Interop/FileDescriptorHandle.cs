using System.Runtime.InteropServices;

namespace Weft.Linux.Interop;

/// <summary>
/// Owns one file descriptor (a netlink socket or a namespace file) so that it is closed exactly once,
/// even when the owner is never disposed, and never closed while a P/Invoke is still using it.
/// </summary>
public sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    internal FileDescriptorHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The raw descriptor, for attributes such as IFLA_NET_NS_FD that carry it by value.</summary>
    internal int Value => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Libc.Close((int)handle.ToInt64()) == 0;
}
