
namespace Weft.Linux;

/// <summary>
/// A kernel call failed. It names the operation, the object it was applied to and the errno, so a
/// message reads like <c>add link vxlan0: File exists (EEXIST)</c> and callers can branch on <see cref="Errno"/>.
/// </summary>
public class KernelException : Exception
{
    public KernelException(int errno, string operation, string objectName, string? detail = null)
        : base(Compose(errno, operation, objectName, detail))
    {
        Errno = errno;
        Operation = operation;
        ObjectName = objectName;
        Detail = detail;
    }

    /// <summary>The positive errno value, such as 17 for EEXIST.</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno name, such as "EEXIST".</summary>
    public string ErrnoName => Interop.Errno.Name(Errno);

    /// <summary>What was being done, such as "add link".</summary>
    public string Operation { get; }

    /// <summary>The object it was done to, such as "vxlan0" or a namespace name.</summary>
    public string ObjectName { get; }

    /// <summary>Extra text from the kernel (netlink extended ack) when it gave some.</summary>
    public string? Detail { get; }

    internal static KernelException FromLastError(string operation, string objectName) =>
        new(System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), operation, objectName);

    private static string Compose(int errno, string operation, string objectName, string? detail)
    {
        var text = $"{operation} {objectName}: {Interop.Errno.Describe(errno)} ({Interop.Errno.Name(errno)})";
        return string.IsNullOrEmpty(detail) ? text : $"{text}; kernel says: {detail}";
    }
}

/// <summary>A netlink request was refused; <see cref="KernelException.Detail"/> holds the extended-ack text.</summary>
public sealed class NetlinkException : KernelException
{
    public NetlinkException(int errno, string operation, string objectName, string? kernelMessage = null)
        : base(errno, operation, objectName, kernelMessage)
    {
    }

    /// <summary>The kernel's own explanation (NLMSGERR_ATTR_MSG), such as "mtu greater than device maximum".</summary>
    public string? KernelMessage => Detail;
}
