using Weft.Linux.Netlink;
using Weft.Linux.Routing;

namespace Weft.Linux;

/// <summary>What a batch achieved: how many requests went out and which of them the kernel refused.</summary>
public sealed record BatchResult(int Submitted, IReadOnlyList<NetlinkException> Failures)
{
    public int Succeeded => Submitted - Failures.Count;

    /// <summary>Throws the first failure (its message counts the others) when any request failed.</summary>
    public void ThrowIfFailed()
    {
        if (Failures.Count == 1)
        {
            throw Failures[0];
        }

        if (Failures.Count > 1)
        {
            var first = Failures[0];
            throw new NetlinkException(first.Errno, first.Operation, first.ObjectName, $"{first.KernelMessage} (and {Failures.Count - 1} more of {Submitted} requests failed)".TrimStart());
        }
    }
}

/// <summary>
/// Pipelines neighbour and FDB requests, the bulk work of an agent that programs thousands of remote
/// endpoints. Requests are encoded back to back; each full window goes to the kernel in one send with
/// only its last request asking for an ack. Failed requests are answered individually (the kernel always
/// reports errors), so every failure is still tied to its own entry. Not thread-safe; one batch per caller.
/// </summary>
public sealed class NetlinkBatch
{
    /// <summary>Requests per send: about 16 KiB of FDB requests, far below the socket's buffers.</summary>
    public const int DefaultWindow = 256;

    private readonly NetlinkHandle _handle;
    private readonly int _window;
    private readonly MessageWriter _writer = new(64 * 1024);
    private readonly List<PendingRequest> _pending;
    private readonly List<NetlinkException> _failures = [];
    private int _submitted;

    internal NetlinkBatch(NetlinkHandle handle, int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _handle = handle;
        _window = window;
        _pending = new List<PendingRequest>(window);
    }

    private enum Op : byte
    {
        AddNeighbor,
        ReplaceNeighbor,
        DeleteNeighbor,
        AddFdb,
        ReplaceFdb,
        DeleteFdb,
    }

    /// <summary>Requests queued and not yet sent.</summary>
    public int Pending => _pending.Count;

    public void AddNeighbor(Neighbor neighbor) => QueueNeighbor(Op.AddNeighbor, neighbor);

    public void ReplaceNeighbor(Neighbor neighbor) => QueueNeighbor(Op.ReplaceNeighbor, neighbor);

    public void DeleteNeighbor(Neighbor neighbor) => QueueNeighbor(Op.DeleteNeighbor, neighbor);

    public void AddFdb(FdbEntry entry) => QueueFdb(Op.AddFdb, entry);

    public void ReplaceFdb(FdbEntry entry) => QueueFdb(Op.ReplaceFdb, entry);

    public void DeleteFdb(FdbEntry entry) => QueueFdb(Op.DeleteFdb, entry);

    /// <summary>Sends what is queued, waits for the kernel, and reports everything since the batch began.</summary>
    public BatchResult Complete()
    {
        Flush();
        return new BatchResult(_submitted, _failures.ToArray());
    }

    private void QueueNeighbor(Op op, Neighbor neighbor)
    {
        ArgumentNullException.ThrowIfNull(neighbor);
        var start = _writer.Length;
        var (type, flags) = Message(op);
        RoutingCodec.EncodeNeighbor(_writer, 0, type, flags, neighbor);
        Enqueue(start, op, neighbor);
    }

    private void QueueFdb(Op op, FdbEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        NetlinkHandle.ValidateMac(entry.MacAddress, Describe(op));
        var start = _writer.Length;
        var (type, flags) = Message(op);
        RoutingCodec.EncodeFdb(_writer, 0, type, flags, entry);
        Enqueue(start, op, entry);
    }

    private void Enqueue(int messageStart, Op op, object subject)
    {
        _pending.Add(new PendingRequest(messageStart, op, subject));
        if (_pending.Count >= _window)
        {
            Flush();
        }
    }

    private void Flush()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        _writer.AddFlags(_pending[^1].MessageStart, Nl.NLM_F_ACK);
        var connection = _handle.Connection;
        lock (connection.Gate)
        {
            // Numbered under the gate so the run is contiguous and a reply maps straight to its entry.
            var first = connection.NextSeq();
            _writer.SetSeq(_pending[0].MessageStart, first);
            for (var i = 1; i < _pending.Count; i++)
            {
                _writer.SetSeq(_pending[i].MessageStart, connection.NextSeq());
            }

            var last = unchecked(first + (uint)_pending.Count - 1);
            connection.ExecutePipelined(_writer.Written, first, last, (seq, errno, text) =>
            {
                var item = _pending[(int)unchecked(seq - first)];
                _failures.Add(new NetlinkException(errno, Describe(item.Op), item.Subject.ToString() ?? "", text));
            });
        }

        _submitted += _pending.Count;
        _pending.Clear();
        _writer.Reset();
    }

    private static (ushort Type, ushort Flags) Message(Op op) => op switch
    {
        Op.AddNeighbor or Op.AddFdb => (Rtm.NEWNEIGH, Nl.NLM_F_REQUEST | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL),
        Op.ReplaceNeighbor or Op.ReplaceFdb => (Rtm.NEWNEIGH, Nl.NLM_F_REQUEST | Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE),
        _ => (Rtm.DELNEIGH, Nl.NLM_F_REQUEST),
    };

    private static string Describe(Op op) => op switch
    {
        Op.AddNeighbor => "add neighbor",
        Op.ReplaceNeighbor => "replace neighbor",
        Op.DeleteNeighbor => "delete neighbor",
        Op.AddFdb => "add fdb entry",
        Op.ReplaceFdb => "replace fdb entry",
        _ => "delete fdb entry",
    };

    // The subject is the caller's own record, kept by reference so that naming a failure costs nothing
    // until there is one.
    private readonly record struct PendingRequest(int MessageStart, Op Op, object Subject);
}
