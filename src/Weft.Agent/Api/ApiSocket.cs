using System.Net.Sockets;

namespace Weft.Agent.Api;

/// <summary>
/// The API's unix socket, created with its final mode (0660) before anyone can connect. Linux gives a socket file the
/// mode of the process umask at bind(2), and fchmod on the socket does not reach the file, so Kestrel binding the path
/// and a chmod after listen leave a window in which the socket is open to everyone the umask allows. Instead the socket
/// is bound under a temporary name in the same directory, given its mode, listening, and only then renamed into place
/// (rename is atomic): a client that finds the path finds it with its mode. No process-wide umask change is needed, which
/// would race with every other thread creating files. Kestrel is handed the listening descriptor.
/// </summary>
internal static class ApiSocket
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Binds and listens on <paramref name="path"/>; returns the descriptor, which the caller's server then owns.</summary>
    public static ulong BindListening(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Environment.ProcessId}.new";
        File.Delete(temporary);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(temporary));
            File.SetUnixFileMode(temporary, Mode);
            socket.Listen(512);
            // Replaces a socket left by an agent that died; a live one would have been found by the lab or systemd first.
            File.Move(temporary, path, overwrite: true);
            var descriptor = (ulong)socket.SafeHandle.DangerousGetHandle();
            socket.SafeHandle.SetHandleAsInvalid(); // the server closes it from now on
            return descriptor;
        }
        catch
        {
            socket.Dispose();
            File.Delete(temporary);
            throw;
        }
    }
}
