using System.Runtime.InteropServices;

namespace Weft.Linux.Interop;

/// <summary>
/// The few libc entry points Weft needs. Every call sets errno, which callers read through
/// <see cref="Marshal.GetLastPInvokeError"/> and turn into a <see cref="KernelException"/>.
/// </summary>
internal static unsafe partial class Libc
{
    // "libc" resolves to the linker script on glibc systems; the versioned soname is the real library.
    private const string Lib = "libc.so.6";

    internal const int AF_UNSPEC = 0;
    internal const int AF_INET = 2;
    internal const int AF_BRIDGE = 7;
    internal const int AF_INET6 = 10;
    internal const int AF_NETLINK = 16;
    internal const int AF_PACKET = 17;

    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;

    internal const int SOL_SOCKET = 1;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUFFORCE = 32;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int SO_ATTACH_FILTER = 26;

    // linux/if_packet.h and bits/socket.h; ETH_P_ALL from linux/if_ether.h, in network byte order on the wire.
    internal const int SOL_PACKET = 263;
    internal const int PACKET_STATISTICS = 6;
    internal const ushort ETH_P_ALL = 0x0003;

    internal const int MSG_PEEK = 0x02;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;

    internal const int O_RDONLY = 0;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_CLOEXEC = 0x80000;

    internal const int CLONE_NEWNET = 0x40000000;

    internal const ulong MS_BIND = 0x1000;
    internal const ulong MS_REC = 0x4000;
    internal const ulong MS_SHARED = 1 << 20;
    internal const int MNT_DETACH = 2;

    internal const short POLLIN = 1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }

    /// <summary>struct sockaddr_ll (linux/if_packet.h): 20 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public fixed byte Addr[8];
    }

    /// <summary>struct sock_fprog (linux/filter.h): a length and a pointer to the instructions.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockFprog
    {
        public ushort Length;
        public void* Filter;
    }

    /// <summary>struct tpacket_stats (linux/if_packet.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TpacketStats
    {
        public uint Packets;
        public uint Drops;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "malloc_trim")]
    internal static partial int MallocTrim(nuint pad);

    internal const int MADV_DONTNEED = 4;

    [LibraryImport(Lib, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(SafeHandle fd, SockaddrNl* address, int length);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(SafeHandle fd, SockaddrLl* address, int length);

    [LibraryImport(Lib, EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(SafeHandle fd, int level, int name, void* value, int* length);

    [LibraryImport(Lib, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint IfNameToIndex(string name);

    [LibraryImport(Lib, EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int GetSockName(SafeHandle fd, SockaddrNl* address, int* length);

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(SafeHandle fd, int level, int name, void* value, int length);

    [LibraryImport(Lib, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(SafeHandle fd, byte* buffer, nint length, int flags);

    [LibraryImport(Lib, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(SafeHandle fd, byte* buffer, nint length, int flags);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initial, int flags);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(SafeHandle fd, void* buffer, nint length);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(SafeHandle fd, void* buffer, nint length);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "unshare", SetLastError = true)]
    internal static partial int Unshare(int flags);

    [LibraryImport(Lib, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(SafeHandle fd, int nsType);

    [LibraryImport(Lib, EntryPoint = "gettid")]
    internal static partial int GetTid();

    [LibraryImport(Lib, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mount(string source, string target, string fsType, ulong flags, nint data);

    [LibraryImport(Lib, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Umount2(string target, int flags);

    /// <summary>ioctl(2) on a namespace file: which kind of namespace it is (a CLONE_NEW* flag); ENOTTY for any other file.</summary>
    internal const uint NS_GET_NSTYPE = 0xb703;

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request);

    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_INO = 0x100;

    /// <summary>struct statx is the same on every architecture, unlike struct stat: 256 bytes, stx_ino at offset 32.</summary>
    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(FileDescriptorHandle dirfd, string path, int flags, uint mask, byte* buffer);

    internal const int StatxSize = 256;
    internal const int StatxInoOffset = 32;

    internal const int SIGKILL = 9;

    /// <summary>A descriptor that names one process for good: signals through it never reach a later holder of its pid.</summary>
    [LibraryImport(Lib, EntryPoint = "pidfd_open", SetLastError = true)]
    internal static partial int PidfdOpen(int pid, uint flags);

    [LibraryImport(Lib, EntryPoint = "pidfd_send_signal", SetLastError = true)]
    internal static partial int PidfdSendSignal(FileDescriptorHandle pidfd, int signal, nint info, uint flags);

    [LibraryImport(Lib, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);

    // The exec handoff (Processes/ExecHandoffEntry): descriptors, signals and execvp, on raw fds in a process about to exec.
    internal const int O_WRONLY = 1;
    internal const int O_APPEND = 0x400;
    internal const int F_DUPFD_CLOEXEC = 1030;
    internal const int SIG_SETMASK = 2;
    internal const int NSIG = 65;

    /// <summary>fcntl(2) with an int argument (F_DUPFD_CLOEXEC: a copy at or above the argument, closed by a successful exec).</summary>
    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    internal const int F_SETFD = 2;
    internal const int FD_CLOEXEC = 1;
    internal const int CLOSE_RANGE_CLOEXEC = 4;

    /// <summary>close_range(2); with CLOSE_RANGE_CLOEXEC it marks the range close-on-exec instead of closing it (Linux 5.11).</summary>
    [LibraryImport(Lib, EntryPoint = "close_range", SetLastError = true)]
    internal static partial int CloseRange(uint first, uint last, int flags);

    [LibraryImport(Lib, EntryPoint = "dup2", SetLastError = true)]
    internal static partial int Dup2(int fd, int target);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nint length);

    /// <summary>signal(2) with SIG_DFL (0) or SIG_IGN (1) as the handler.</summary>
    [LibraryImport(Lib, EntryPoint = "signal", SetLastError = true)]
    internal static partial nint Signal(int signal, nint handler);

    /// <summary>sigprocmask(2); a sigset_t is 128 bytes in glibc.</summary>
    [LibraryImport(Lib, EntryPoint = "sigprocmask", SetLastError = true)]
    internal static partial int SigProcMask(int how, byte* set, byte* oldSet);

    internal const int X_OK = 1;

    [LibraryImport(Lib, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Access(string path, int mode);

    /// <summary>
    /// execv(3): execve with this process's environment; returns only when the exec failed. Not execvp: on ENOEXEC that
    /// runs the file with /bin/sh instead of failing. argv is NULL-terminated UTF-8.
    /// </summary>
    [LibraryImport(Lib, EntryPoint = "execv", SetLastError = true)]
    internal static partial int Execv(byte* path, byte** argv);
}
