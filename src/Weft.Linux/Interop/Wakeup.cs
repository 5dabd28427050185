namespace Weft.Linux.Interop;

/// <summary>
/// An eventfd that another thread signals to end a poll(2): a thread that sleeps in the kernel on a socket can then
/// sleep without a timeout (closing a netlink socket does not wake a thread blocked on it), so an idle watcher costs
/// no periodic wake-ups.
/// </summary>
public sealed unsafe class Wakeup : IDisposable
{
    private const int EFD_CLOEXEC = 0x80000;
    private const int EFD_NONBLOCK = 0x800;

    private readonly FileDescriptorHandle _fd;

    public Wakeup()
    {
        var fd = Libc.EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        _fd = fd >= 0 ? new FileDescriptorHandle(fd) : throw new KernelException(System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), "eventfd", "wake-up");
    }

    internal FileDescriptorHandle Handle => _fd;

    /// <summary>Makes the descriptor readable until the process ends it; safe from any thread, also after disposal.</summary>
    public void Signal()
    {
        try
        {
            ulong one = 1;
            _ = Libc.Write(_fd, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Nobody is waiting any more.
        }
    }

    public void Dispose() => _fd.Dispose();
}
