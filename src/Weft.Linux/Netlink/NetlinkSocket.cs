using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Netlink;

/// <summary>
/// An AF_NETLINK socket. It belongs to the network namespace of the thread that created it, for its
/// whole life, whichever thread later uses it; that is what makes a handle "bound" to a namespace.
/// </summary>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    private NetlinkSocket(FileDescriptorHandle handle, uint portId)
    {
        Handle = handle;
        PortId = portId;
    }

    public FileDescriptorHandle Handle { get; }

    /// <summary>The address the kernel gave us; replies and acks carry it.</summary>
    public uint PortId { get; }

    /// <summary>Opens a socket of <paramref name="protocol"/> (rtnetlink unless said: NETLINK_NETFILTER for nftables events).</summary>
    public static NetlinkSocket Open(int receiveBufferBytes, int protocol = Nl.NETLINK_ROUTE)
    {
        var fd = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            throw KernelException.FromLastError("open", "netlink socket");
        }

        var handle = new FileDescriptorHandle(fd);
        try
        {
            var address = new Libc.SockaddrNl { Family = Libc.AF_NETLINK };
            if (Libc.Bind(handle, &address, sizeof(Libc.SockaddrNl)) != 0)
            {
                throw KernelException.FromLastError("bind", "netlink socket");
            }

            var length = sizeof(Libc.SockaddrNl);
            if (Libc.GetSockName(handle, &address, &length) != 0)
            {
                throw KernelException.FromLastError("getsockname", "netlink socket");
            }

            var socket = new NetlinkSocket(handle, address.PortId);

            // Extended acks carry the kernel's reason in words; capped acks do not echo our request back,
            // which keeps the receive queue small when thousands of requests are pipelined.
            socket.TrySetOption(Nl.SOL_NETLINK, Nl.NETLINK_EXT_ACK, 1);
            socket.TrySetOption(Nl.SOL_NETLINK, Nl.NETLINK_CAP_ACK, 1);

            // FORCE ignores rmem_max and needs CAP_NET_ADMIN; fall back to the capped request without it.
            if (!socket.TrySetOption(Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, receiveBufferBytes))
            {
                socket.TrySetOption(Libc.SOL_SOCKET, Libc.SO_RCVBUF, receiveBufferBytes);
            }

            if (!socket.TrySetOption(Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, 1 << 20))
            {
                socket.TrySetOption(Libc.SOL_SOCKET, Libc.SO_SNDBUF, 1 << 20);
            }

            return socket;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool TrySetOption(int level, int name, int value) =>
        Libc.SetSockOpt(Handle, level, name, &value, sizeof(int)) == 0;

    public void JoinGroup(uint group)
    {
        var value = (int)group;
        if (Libc.SetSockOpt(Handle, Nl.SOL_NETLINK, Nl.NETLINK_ADD_MEMBERSHIP, &value, sizeof(int)) != 0)
        {
            throw KernelException.FromLastError("join netlink group", group.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public void Send(ReadOnlySpan<byte> data, string operation, string objectName)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                var sent = Libc.Send(Handle, p, data.Length, 0);
                if (sent >= 0)
                {
                    return;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new NetlinkException(errno, operation, objectName);
                }
            }
        }
    }

    /// <summary>
    /// Receives one datagram. Returns its full length, which exceeds the buffer when it was truncated
    /// (MSG_TRUNC), or -1 with <paramref name="errno"/> set (EAGAIN when non-blocking and empty).
    /// </summary>
    public int Receive(Span<byte> buffer, bool blocking, out int errno)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var flags = Libc.MSG_TRUNC | (blocking ? 0 : Libc.MSG_DONTWAIT);
                var received = Libc.Recv(Handle, p, buffer.Length, flags);
                if (received >= 0)
                {
                    errno = 0;
                    return (int)received;
                }

                errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>
    /// Waits until data arrives (true), or until <paramref name="interrupt"/> is signalled or <paramref name="timeoutMs"/>
    /// (-1: none) passes (false).
    /// </summary>
    public bool WaitReadable(int timeoutMs, Wakeup? interrupt = null)
    {
        var added = false;
        var addedWake = false;
        Handle.DangerousAddRef(ref added);
        try
        {
            interrupt?.Handle.DangerousAddRef(ref addedWake);
            var pfd = stackalloc Libc.PollFd[2];
            pfd[0] = new Libc.PollFd { Fd = Handle.Value, Events = Libc.POLLIN };
            pfd[1] = new Libc.PollFd { Fd = interrupt?.Handle.Value ?? -1, Events = Libc.POLLIN }; // poll(2) skips a negative fd
            var ready = Libc.Poll(pfd, 2, timeoutMs);
            return ready > 0 && (pfd[1].Revents & Libc.POLLIN) == 0 && (pfd[0].Revents & Libc.POLLIN) != 0;
        }
        finally
        {
            if (addedWake)
            {
                interrupt!.Handle.DangerousRelease();
            }
            if (added)
            {
                Handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => Handle.Dispose();
}
