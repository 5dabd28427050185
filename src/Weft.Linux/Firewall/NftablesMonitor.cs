using Weft.Linux.Interop;
using Weft.Linux.Netlink;

namespace Weft.Linux.Firewall;

/// <summary>
/// Something to watch in the ruleset: a whole table (<paramref name="Chain"/> null), or one chain of it. Family is nft's
/// name (ip, ip6, inet, ...).
/// </summary>
public sealed record NftWatch(string Family, string Table, string? Chain = null);

/// <summary>What an nftables notification was about: the table, and the chain for chain and rule messages.</summary>
public readonly record struct NftObjectChange(string Family, string Table, string? Chain);

/// <summary>
/// Listens to the kernel's nftables notifications (NETLINK_NETFILTER, group NFNLGRP_NFTABLES) in the namespace of the
/// thread that starts it, and calls back when one touches a watched table or chain: what is changed by hand is then
/// put right at once, not at the next resync. Every committed change is announced, whoever made it (nft, iptables-nft,
/// a program speaking netlink); listing raises nothing. A socket overrun (ENOBUFS: notifications were lost) is reported
/// as a change, since what was lost is unknown. Read on the process's one event thread (<see cref="Events.ReadinessLoop"/>), which sleeps until the kernel wakes it.
/// </summary>
public sealed class NftablesMonitor : IDisposable
{
    // Numbers from linux/netfilter/nfnetlink.h and nf_tables.h (ABI).
    private const uint NFNLGRP_NFTABLES = 7;
    private const int NFNL_SUBSYS_NFTABLES = 10;
    private const int NfGenMsgLength = 4;

    private const ushort NFT_MSG_NEWTABLE = 0, NFT_MSG_DELTABLE = 2, NFT_MSG_NEWCHAIN = 3, NFT_MSG_DELCHAIN = 5,
        NFT_MSG_NEWRULE = 6, NFT_MSG_DELRULE = 8, NFT_MSG_NEWSET = 9, NFT_MSG_DELSET = 11, NFT_MSG_NEWSETELEM = 12,
        NFT_MSG_DELSETELEM = 14, NFT_MSG_NEWOBJ = 18, NFT_MSG_DELOBJ = 20, NFT_MSG_NEWFLOWTABLE = 22,
        NFT_MSG_DELFLOWTABLE = 24, NFT_MSG_DESTROYTABLE = 26, NFT_MSG_DESTROYFLOWTABLE = 32;

    /// <summary>The table's name is attribute 1 of every object message (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, ...).</summary>
    private const ushort TableAttribute = 1;

    private const ushort NFTA_CHAIN_NAME = 3, NFTA_RULE_CHAIN = 2;

    private readonly NetlinkSocket _socket;
    private readonly IReadOnlyList<NftWatch> _watched;
    private readonly Action _changed;
    private readonly Events.ReadinessLoop.Registration _registration;

    /// <summary>The receive buffer, one for all monitors: handlers run only on the loop's thread, one at a time.</summary>
    [ThreadStatic]
    private static byte[]? t_buffer;

    private NftablesMonitor(NetlinkSocket socket, IReadOnlyList<NftWatch> watched, Action changed)
    {
        _socket = socket;
        _watched = watched;
        _changed = changed;
        _registration = Events.ReadinessLoop.Shared.Register(socket.Handle, Events.ReadinessLoop.EPOLLIN, ReadAvailable);
    }

    /// <summary>
    /// Starts watching in the calling thread's network namespace. Subscribed when this returns: a change made after it is
    /// never missed. <paramref name="changed"/> runs on the monitor's thread, once per notification that concerns
    /// <paramref name="watched"/>: it must be quick (set a flag, ask for a pass).
    /// </summary>
    /// <exception cref="KernelException">The socket could not be opened or subscribed (no CAP_NET_ADMIN, no nf_tables).</exception>
    public static NftablesMonitor Start(IReadOnlyList<NftWatch> watched, Action changed)
    {
        ArgumentNullException.ThrowIfNull(watched);
        ArgumentNullException.ThrowIfNull(changed);
        var socket = NetlinkSocket.Open(4 << 20, Nl.NETLINK_NETFILTER);
        try
        {
            socket.JoinGroup(NFNLGRP_NFTABLES);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new NftablesMonitor(socket, [.. watched], changed);
    }

    /// <summary>Whether <paramref name="change"/> touches one of <paramref name="watched"/>: a watched chain is touched by its
    /// own messages and its rules', and by messages about its whole table (a table deleted takes the chain with it).</summary>
    public static bool Concerns(IReadOnlyList<NftWatch> watched, NftObjectChange change)
    {
        ArgumentNullException.ThrowIfNull(watched);
        return watched.Any(w => w.Family == change.Family && w.Table == change.Table && (w.Chain is null || change.Chain is null || w.Chain == change.Chain));
    }

    /// <summary>
    /// The objects the nftables messages of one datagram are about; messages that name no table (NEWGEN, which closes
    /// every transaction; TRACE) and those of other subsystems are left out. Set, element, object and flowtable
    /// messages name their table only (their chain is null, like a table's).
    /// </summary>
    public static IReadOnlyList<NftObjectChange> Parse(ReadOnlySpan<byte> datagram)
    {
        var changes = new List<NftObjectChange>();
        foreach (var message in new MessageReader(datagram))
        {
            if (message.Type >> 8 != NFNL_SUBSYS_NFTABLES || message.Payload.Length < NfGenMsgLength)
            {
                continue;
            }
            var kind = (ushort)(message.Type & 0xff);
            ushort? chainAttribute = kind switch
            {
                NFT_MSG_NEWCHAIN or NFT_MSG_DELCHAIN => NFTA_CHAIN_NAME,
                NFT_MSG_NEWRULE or NFT_MSG_DELRULE => NFTA_RULE_CHAIN,
                _ => null,
            };
            var namesTable = kind is NFT_MSG_NEWTABLE or NFT_MSG_DELTABLE or NFT_MSG_NEWSET or NFT_MSG_DELSET
                or (>= NFT_MSG_NEWSETELEM and <= NFT_MSG_DELSETELEM) or (>= NFT_MSG_NEWOBJ and <= NFT_MSG_DELOBJ)
                or (>= NFT_MSG_NEWFLOWTABLE and <= NFT_MSG_DELFLOWTABLE) or (>= NFT_MSG_DESTROYTABLE and <= NFT_MSG_DESTROYFLOWTABLE);
            if (chainAttribute is null && !namesTable)
            {
                continue;
            }
            string? table = null, chain = null;
            foreach (var attribute in new AttributeReader(message.Payload[NfGenMsgLength..]))
            {
                if (attribute.Type == TableAttribute)
                {
                    table = attribute.String;
                }
                else if (attribute.Type == chainAttribute)
                {
                    chain = attribute.String;
                }
            }
            if (table is not null)
            {
                changes.Add(new NftObjectChange(FamilyName(message.Payload[0]), table, chain));
            }
        }
        return changes;
    }

    /// <summary>nfgenmsg's family (NFPROTO_*) as nft names it.</summary>
    private static string FamilyName(byte family) => family switch
    {
        1 => "inet",
        2 => "ip",
        3 => "arp",
        5 => "netdev",
        7 => "bridge",
        10 => "ip6",
        _ => family.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Reads every queued datagram (the process's event loop calls it when the socket is readable); false ends the watch.</summary>
    private bool ReadAvailable()
    {
        // One notification per datagram, a rule with its expressions at most a few KB: a datagram cut short is reported too.
        var buffer = t_buffer ??= new byte[256 * 1024];
        while (true)
        {
            var length = _socket.Receive(buffer, blocking: false, out var errno);
            if (length < 0)
            {
                if (errno == Errno.EAGAIN)
                {
                    return true;
                }
                // ENOBUFS: notifications were dropped, and any of them may have been ours. Anything else: the socket is
                // broken; the resync still verifies, and the watch ends rather than report in a loop.
                Report();
                if (errno != Errno.ENOBUFS)
                {
                    return false;
                }
                continue;
            }
            if (length > buffer.Length || Parse(buffer.AsSpan(0, length)).Any(c => Concerns(_watched, c)))
            {
                Report();
            }
        }
    }

    private void Report()
    {
        try
        {
            _changed();
        }
#pragma warning disable CA1031 // The callback's failure must not end the monitor; the caller's resync still verifies.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        _socket.Dispose();
    }
}
