using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Weft.Linux.Interop;
using Weft.Linux.Namespaces;

namespace Weft.Linux.Packets;

/// <summary>What the kernel counted for a packet socket since it was opened.</summary>
/// <param name="Packets">Frames that passed the filter, queued or not (tp_packets).</param>
/// <param name="Drops">Frames that passed the filter but were dropped because the receive buffer was full (tp_drops).</param>
public readonly record struct PacketStatistics(long Packets, long Drops);

/// <summary>
/// An AF_PACKET raw socket on one interface: whole Ethernet frames in both directions, as tcpdump sees them,
/// with an optional classic BPF filter run by the kernel. The socket belongs to the namespace it was opened in,
/// whichever thread later reads it, so <see cref="Open(NetworkNamespace, string, SocketFilter?, int)"/> opens it on
/// a namespace thread and the caller reads it from anywhere.
/// </summary>
public sealed unsafe class PacketSocket : IDisposable
{
    /// <summary>Room for bursts: the default (net.core.rmem_default, ~208 KiB) holds only ~100 full frames.</summary>
    public const int DefaultReceiveBufferBytes = 4 << 20;

    private readonly FileDescriptorHandle _handle;
    private long _packets;
    private long _drops;

    private PacketSocket(FileDescriptorHandle handle, string interfaceName, int interfaceIndex)
    {
        _handle = handle;
        InterfaceName = interfaceName;
        InterfaceIndex = interfaceIndex;
    }

    public string InterfaceName { get; }

    public int InterfaceIndex { get; }

    /// <summary>Opens a socket on <paramref name="interfaceName"/> in <paramref name="netns"/>.</summary>
    public static PacketSocket Open(NetworkNamespace netns, string interfaceName, SocketFilter? filter = null, int receiveBufferBytes = DefaultReceiveBufferBytes)
    {
        ArgumentNullException.ThrowIfNull(netns);
        return netns.Run(() => Open(interfaceName, filter, receiveBufferBytes));
    }

    /// <summary>
    /// Opens a socket on <paramref name="interfaceName"/> in the calling thread's namespace. The socket is created
    /// with protocol 0, which receives nothing, and gets its filter before bind() sets ETH_P_ALL: otherwise frames
    /// from every interface would be queued in the moment between socket() and bind().
    /// </summary>
    public static PacketSocket Open(string interfaceName, SocketFilter? filter = null, int receiveBufferBytes = DefaultReceiveBufferBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var index = (int)Libc.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            throw KernelException.FromLastError("find interface", interfaceName);
        }

        var fd = Libc.Socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw KernelException.FromLastError("open packet socket on", interfaceName);
        }

        var handle = new FileDescriptorHandle(fd);
        try
        {
            if (receiveBufferBytes > 0)
            {
                // FORCE passes net.core.rmem_max, which is what a capture running as root wants; fall back without it.
                if (Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, &receiveBufferBytes, sizeof(int)) != 0
                    && Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &receiveBufferBytes, sizeof(int)) != 0)
                {
                    throw KernelException.FromLastError("set receive buffer of packet socket on", interfaceName);
                }
            }

            if (filter is not null)
            {
                Attach(handle, filter, interfaceName);
            }

            var address = new Libc.SockaddrLl
            {
                Family = Libc.AF_PACKET,
                Protocol = BinaryPrimitives.ReverseEndianness(Libc.ETH_P_ALL),
                IfIndex = index,
            };
            if (Libc.Bind(handle, &address, sizeof(Libc.SockaddrLl)) != 0)
            {
                throw KernelException.FromLastError("bind packet socket to", interfaceName);
            }

            return new PacketSocket(handle, interfaceName, index);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Waits as long as it takes for a frame; see <see cref="Receive(Span{byte}, TimeSpan)"/>.</summary>
    public int Receive(Span<byte> buffer) => Receive(buffer, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> (infinite when negative) for a frame and copies it into
    /// <paramref name="buffer"/>. Returns the frame's length on the wire, which exceeds the buffer when the frame was
    /// cut to fit (<c>Math.Min(result, buffer.Length)</c> bytes are valid), or -1 when the time ran out.
    /// </summary>
    public int Receive(Span<byte> buffer, TimeSpan timeout) => Receive(buffer, timeout, null);

    /// <summary>
    /// As <see cref="Receive(Span{byte}, TimeSpan)"/>, and returns -1 as soon as <paramref name="interrupt"/> is signalled:
    /// a thread that serves the socket can then wait without a timeout, so an idle socket never wakes it.
    /// </summary>
    public int Receive(Span<byte> buffer, TimeSpan timeout, Wakeup? interrupt)
    {
        // Try first and wait only when the queue is empty: under load that is one system call per frame, not two.
        var n = TryReceive(buffer);
        if (n >= 0)
        {
            return n;
        }

        var timeoutMs = timeout < TimeSpan.Zero ? -1 : (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
        return WaitReadable(timeoutMs, interrupt) ? TryReceive(buffer) : -1;
    }

    /// <summary>One non-blocking receive: the frame's wire length, or -1 when none is queued.</summary>
    private int TryReceive(Span<byte> buffer)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
            {
                // MSG_TRUNC: the return value is the real length even when the buffer is shorter.
                n = Libc.Recv(_handle, p, buffer.Length, Libc.MSG_TRUNC | Libc.MSG_DONTWAIT);
            }

            if (n >= 0)
            {
                return (int)n;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            if (errno == Errno.EAGAIN)
            {
                return -1;
            }

            throw new KernelException(errno, "receive on", InterfaceName);
        }
    }

    /// <summary>Sends one complete Ethernet frame out of the interface, as it is: nothing is added or checked.</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = frame)
            {
                n = Libc.Send(_handle, p, frame.Length, 0);
            }

            if (n >= 0)
            {
                return;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new KernelException(errno, "send on", InterfaceName);
            }
        }
    }

    /// <summary>
    /// The kernel's counters since the socket was opened. The kernel resets them on every read (PACKET_STATISTICS),
    /// so this socket keeps the running totals.
    /// </summary>
    public PacketStatistics ReadStatistics()
    {
        var stats = default(Libc.TpacketStats);
        var length = sizeof(Libc.TpacketStats);
        if (Libc.GetSockOpt(_handle, Libc.SOL_PACKET, Libc.PACKET_STATISTICS, &stats, &length) != 0)
        {
            throw KernelException.FromLastError("read statistics of packet socket on", InterfaceName);
        }

        // tp_packets already includes tp_drops (the kernel adds them before copying out).
        _packets += stats.Packets;
        _drops += stats.Drops;
        return new PacketStatistics(_packets, _drops);
    }

    public void Dispose() => _handle.Dispose();

    public override string ToString() => $"packet socket on {InterfaceName} (#{InterfaceIndex})";

    private static void Attach(FileDescriptorHandle handle, SocketFilter filter, string interfaceName)
    {
        var code = filter.Instructions.ToArray();
        fixed (SocketFilterInstruction* p = code)
        {
            var program = new Libc.SockFprog { Length = (ushort)code.Length, Filter = p };
            if (Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, &program, sizeof(Libc.SockFprog)) != 0)
            {
                throw KernelException.FromLastError("attach filter to packet socket on", interfaceName);
            }
        }
    }

    private bool WaitReadable(int timeoutMs, Wakeup? interrupt)
    {
        var added = false;
        var addedWake = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            interrupt?.Handle.DangerousAddRef(ref addedWake);
            var deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
            var poll = stackalloc Libc.PollFd[2];
            while (true)
            {
                poll[0] = new Libc.PollFd { Fd = _handle.Value, Events = Libc.POLLIN };
                poll[1] = new Libc.PollFd { Fd = interrupt?.Handle.Value ?? -1, Events = Libc.POLLIN }; // poll(2) skips a negative fd
                var remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
                var ready = Libc.Poll(poll, 2, remaining);
                if (ready > 0)
                {
                    return (poll[1].Revents & Libc.POLLIN) == 0;
                }

                if (ready == 0)
                {
                    return false;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new KernelException(errno, "wait on", InterfaceName);
                }
            }
        }
        finally
        {
            if (addedWake)
            {
                interrupt!.Handle.DangerousRelease();
            }
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }
}
