using System.Threading.Channels;
using Weft.Linux.Interop;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Linux.Netlink;
using Weft.Linux.Routing;

namespace Weft.Linux.Events;

/// <summary>
/// Subscribes to rtnetlink multicast groups in one namespace and delivers typed events on a channel.
/// The process's one event thread (<see cref="ReadinessLoop"/>) reads the socket whenever it is readable, so a slow
/// consumer never stalls the kernel side and a watched namespace costs no thread of its own; the channel is unbounded
/// and an overflowing socket is reported as <see cref="EventsLost"/>.
/// </summary>
public sealed class NetlinkWatcher : IDisposable, IAsyncDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly Channel<NetlinkEvent> _channel = Channel.CreateUnbounded<NetlinkEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ReadinessLoop.Registration _registration;

    /// <summary>The receive buffer, one for all watchers: handlers run only on the loop's thread, one at a time.</summary>
    [ThreadStatic]
    private static byte[]? t_buffer;

    private NetlinkWatcher(NetlinkSocket socket)
    {
        _socket = socket;
        _registration = ReadinessLoop.Shared.Register(socket.Handle, ReadinessLoop.EPOLLIN, ReadAvailable);
    }

    /// <summary>The events, in kernel order.</summary>
    public ChannelReader<NetlinkEvent> Events => _channel.Reader;

    /// <summary>
    /// Starts watching <paramref name="groups"/> in <paramref name="ns"/> (null: the calling thread's
    /// namespace). Subscription is complete when this returns, so later changes are never missed.
    /// </summary>
    public static NetlinkWatcher Start(EventGroups groups, NetworkNamespace? ns = null)
    {
        var socket = ns is null ? OpenSocket(groups) : ns.Run(() => OpenSocket(groups));
        return new NetlinkWatcher(socket);
    }

    public IAsyncEnumerable<NetlinkEvent> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAllAsync(cancellationToken);

    public void Dispose()
    {
        _registration.Dispose();
        _socket.Dispose();
        _channel.Writer.TryComplete();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static NetlinkSocket OpenSocket(EventGroups groups)
    {
        var socket = NetlinkSocket.Open(8 << 20);
        try
        {
            if (groups.HasFlag(EventGroups.Links))
            {
                socket.JoinGroup(RtnlGroup.LINK);
            }

            if (groups.HasFlag(EventGroups.Neighbors))
            {
                socket.JoinGroup(RtnlGroup.NEIGH);
            }

            if (groups.HasFlag(EventGroups.Addresses))
            {
                socket.JoinGroup(RtnlGroup.IPV4_IFADDR);
                socket.JoinGroup(RtnlGroup.IPV6_IFADDR);
            }

            if (groups.HasFlag(EventGroups.Routes))
            {
                socket.JoinGroup(RtnlGroup.IPV4_ROUTE);
                socket.JoinGroup(RtnlGroup.IPV6_ROUTE);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads every queued datagram (the loop calls it when the socket is readable); false ends the watch.</summary>
    private bool ReadAvailable()
    {
        var buffer = t_buffer ??= new byte[256 * 1024];
        try
        {
            while (true)
            {
                var length = _socket.Receive(buffer, blocking: false, out var errno);
                if (length < 0)
                {
                    if (errno == Errno.ENOBUFS)
                    {
                        _channel.Writer.TryWrite(new EventsLost());
                        continue;
                    }

                    if (errno == Errno.EAGAIN)
                    {
                        return true;
                    }

                    throw new NetlinkException(errno, "receive", "netlink events");
                }

                foreach (var message in new MessageReader(buffer.AsSpan(0, Math.Min(length, buffer.Length))))
                {
                    if (Decode(in message) is { } e)
                    {
                        _channel.Writer.TryWrite(e);
                    }
                }
            }
        }
#pragma warning disable CA1031 // A reader failure ends the stream; the consumer sees it as the channel's error.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _channel.Writer.TryComplete(e);
            return false;
        }
    }

    private static NetlinkEvent? Decode(in NetlinkMessage m)
    {
        switch (m.Type)
        {
            case Rtm.NEWLINK or Rtm.DELLINK:
                return new LinkEvent(m.Type == Rtm.NEWLINK ? ChangeKind.NewOrChanged : ChangeKind.Deleted, LinkCodec.Decode(in m));
            case Rtm.NEWNEIGH or Rtm.DELNEIGH:
                {
                    var change = m.Type == Rtm.NEWNEIGH ? ChangeKind.NewOrChanged : ChangeKind.Deleted;
                    return m.Payload.Length > 0 && m.Payload[0] == Libc.AF_BRIDGE
                        ? new FdbEvent(change, RoutingCodec.DecodeFdb(in m))
                        : new NeighborEvent(change, RoutingCodec.DecodeNeighbor(in m));
                }

            case Rtm.NEWADDR or Rtm.DELADDR:
                return new AddressEvent(m.Type == Rtm.NEWADDR ? ChangeKind.NewOrChanged : ChangeKind.Deleted, RoutingCodec.DecodeAddress(in m));
            case Rtm.NEWROUTE or Rtm.DELROUTE:
                return new RouteEvent(m.Type == Rtm.NEWROUTE ? ChangeKind.NewOrChanged : ChangeKind.Deleted, RoutingCodec.DecodeRoute(in m));
            default:
                return null;
        }
    }
}
