using System.Net.Sockets;
using System.Text;

namespace Weft.Agent.Host;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to the socket systemd names in $NOTIFY_SOCKET (a path, or an abstract
/// address written with a leading @). Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
/// </summary>
public sealed class SystemdNotify
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    private readonly string? _socket;

    public SystemdNotify(string? socket = null) => _socket = socket ?? Environment.GetEnvironmentVariable(SocketVariable);

    public bool Enabled => !string.IsNullOrEmpty(_socket);

    /// <summary>READY=1: the service has started (the API answers and the first reconcile pass is done).</summary>
    public void Ready(string status) => Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");

    /// <summary>A line for `systemctl status`.</summary>
    public void Status(string status) => Send($"STATUS={status}");

    public void Stopping() => Send("STOPPING=1\nSTATUS=stopping; the data plane stays up");

    private void Send(string message)
    {
        if (!Enabled)
        {
            return;
        }
        var path = _socket![0] == '@' ? "\0" + _socket[1..] : _socket;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(message), new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            // systemd went away or never listened: readiness is a courtesy, never a reason to fail.
        }
    }
}
