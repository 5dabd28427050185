using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Weft.Linux.Interop;

namespace Weft.Linux.Netlink;

/// <summary>Receives each reply that belongs to one request, before its ack or end-of-dump arrives.</summary>
internal delegate void ReplyHandler(in NetlinkMessage reply);

/// <summary>
/// The protocol engine of one rtnetlink socket: sequence numbers, acks, multi-part dumps, extended-ack
/// text and pipelined batches. It knows messages, not links or routes; the public types sit on top.
/// </summary>
internal sealed class NetlinkConnection : IDisposable
{
    // Dump replies are at most about 32 KiB per datagram (the kernel sizes them from our buffer, capped),
    // so 64 KiB never truncates; a truncated datagram is reported rather than half-parsed.
    private const int ReceiveBufferBytes = 64 * 1024;

    private readonly NetlinkSocket _socket;
    private readonly byte[] _receive = new byte[ReceiveBufferBytes];
    private uint _seq;

    public NetlinkConnection(NetlinkSocket socket)
    {
        _socket = socket;
        // Start away from zero so replies to an earlier owner of the port id can never match.
        _seq = (uint)Environment.TickCount;
    }

    /// <summary>Serialises requests: one socket carries one conversation at a time.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The buffer single requests are encoded into; use only while holding <see cref="Gate"/>.</summary>
    public MessageWriter Writer { get; } = new();

    /// <summary>The next sequence number; call under <see cref="Gate"/> so a batch gets a contiguous run.</summary>
    public uint NextSeq() => unchecked(++_seq);

    /// <summary>
    /// Sends what <see cref="Writer"/> holds (one request with NLM_F_ACK, or one dump request) and reads
    /// until its ack or NLMSG_DONE. Returns false when the kernel flagged the dump as interrupted by a
    /// concurrent change (NLM_F_DUMP_INTR), in which case the caller should dump again.
    /// </summary>
    public bool Execute(uint seq, ReplyHandler? onReply, string operation, string objectName)
    {
        _socket.Send(Writer.Written, operation, objectName);
        var consistent = true;
        while (true)
        {
            var length = ReceiveDatagram(operation, objectName);
            foreach (var message in new MessageReader(_receive.AsSpan(0, length)))
            {
                if (message.Seq != seq)
                {
                    continue; // A late reply to an abandoned request; nothing waits for it any more.
                }

                if ((message.Flags & Nl.NLM_F_DUMP_INTR) != 0)
                {
                    consistent = false;
                }

                switch (message.Type)
                {
                    case Nl.NLMSG_ERROR:
                        ThrowIfError(in message, operation, objectName);
                        return consistent;
                    case Nl.NLMSG_DONE:
                        ThrowIfError(in message, operation, objectName);
                        return consistent;
                    case Nl.NLMSG_NOOP:
                        break;
                    default:
                        onReply?.Invoke(in message);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Sends a buffer of pipelined requests whose last one asks for an ack, and reads until that ack.
    /// Requests without NLM_F_ACK still get an error reply when they fail, and the kernel handles the
    /// messages of one send in order, so the final ack proves every earlier request was processed.
    /// </summary>
    public void ExecutePipelined(ReadOnlySpan<byte> requests, uint firstSeq, uint lastSeq, Action<uint, int, string?> onError)
    {
        _socket.Send(requests, "send batch", "netlink");
        while (true)
        {
            var length = ReceiveDatagram("receive batch acks", "netlink");
            foreach (var message in new MessageReader(_receive.AsSpan(0, length)))
            {
                if (message.Type != Nl.NLMSG_ERROR || unchecked(message.Seq - firstSeq) > unchecked(lastSeq - firstSeq))
                {
                    continue;
                }

                var (errno, text) = ParseError(in message);
                if (errno != 0)
                {
                    onError(message.Seq, errno, text);
                }

                if (message.Seq == lastSeq)
                {
                    return;
                }
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    private int ReceiveDatagram(string operation, string objectName)
    {
        var length = _socket.Receive(_receive, blocking: true, out var errno);
        if (length < 0)
        {
            throw new NetlinkException(errno, operation, objectName);
        }

        if (length > _receive.Length)
        {
            throw new NetlinkException(Errno.ENOBUFS, operation, objectName, "reply datagram larger than the receive buffer");
        }

        return length;
    }

    private static void ThrowIfError(in NetlinkMessage message, string operation, string objectName)
    {
        var (errno, text) = ParseError(in message);
        if (errno != 0)
        {
            throw new NetlinkException(errno, operation, objectName, text);
        }
    }

    /// <summary>
    /// Decodes struct nlmsgerr (or the int that NLMSG_DONE carries): a negative errno, the echoed request
    /// header (its body only when the ack is not capped), then NLMSGERR_ATTR_* when NLM_F_ACK_TLVS is set.
    /// </summary>
    internal static (int Errno, string? Text) ParseError(in NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < 4)
        {
            return (0, null);
        }

        var error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (error == 0 || message.Type != Nl.NLMSG_ERROR || (message.Flags & Nl.NLM_F_ACK_TLVS) == 0)
        {
            return (-error, null);
        }

        var offset = 4 + Nl.HeaderLength;
        if ((message.Flags & Nl.NLM_F_CAPPED) == 0 && payload.Length >= offset)
        {
            var echoed = MemoryMarshal.Read<NlMsgHdr>(payload[4..]);
            offset = 4 + Nl.Align((int)echoed.Length);
        }

        string? text = null;
        if (offset <= payload.Length)
        {
            foreach (var attribute in new AttributeReader(payload[offset..]))
            {
                if (attribute.Type == Nl.NLMSGERR_ATTR_MSG)
                {
                    text = attribute.String;
                }
            }
        }

        return (-error, text);
    }
}
