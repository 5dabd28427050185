namespace Weft.Linux.Netlink;

// Numbers from the kernel's UAPI headers (linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h,
// neighbour.h, veth.h). They are ABI and never change; names follow the C ones so they can be grepped.
#pragma warning disable CA1707 // Kernel names keep their underscores so they match the headers.

internal static class Nl
{
    public const int NETLINK_ROUTE = 0;
    public const int NETLINK_NETFILTER = 12;
    public const int SOL_NETLINK = 270;
    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_NO_ENOBUFS = 5;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;

    public const int HeaderLength = 16;

    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;

    public const ushort NLM_F_REQUEST = 0x01;
    public const ushort NLM_F_MULTI = 0x02;
    public const ushort NLM_F_ACK = 0x04;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_DUMP = 0x300;
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_CAPPED = 0x100;
    public const ushort NLM_F_ACK_TLVS = 0x200;

    public const ushort NLMSGERR_ATTR_MSG = 1;

    public const ushort NLA_F_NESTED = 0x8000;
    public const ushort NLA_TYPE_MASK = 0x3fff;

    public static int Align(int length) => (length + 3) & ~3;
}

internal static class Rtm
{
    public const ushort NEWLINK = 16;
    public const ushort DELLINK = 17;
    public const ushort GETLINK = 18;
    public const ushort NEWADDR = 20;
    public const ushort DELADDR = 21;
    public const ushort GETADDR = 22;
    public const ushort NEWROUTE = 24;
    public const ushort DELROUTE = 25;
    public const ushort GETROUTE = 26;
    public const ushort NEWNEIGH = 28;
    public const ushort DELNEIGH = 29;
    public const ushort GETNEIGH = 30;
}

internal static class Ifla
{
    public const ushort ADDRESS = 1;
    public const ushort BROADCAST = 2;
    public const ushort IFNAME = 3;
    public const ushort MTU = 4;
    public const ushort LINK = 5;
    public const ushort MASTER = 10;
    public const ushort TXQLEN = 13;
    public const ushort OPERSTATE = 16;
    public const ushort LINKINFO = 18;
    public const ushort NET_NS_PID = 19;
    public const ushort NET_NS_FD = 28;
    public const ushort EXT_MASK = 29;
    public const ushort LINK_NETNSID = 37;
    public const ushort MIN_MTU = 50;
    public const ushort MAX_MTU = 51;

    public const ushort INFO_KIND = 1;
    public const ushort INFO_DATA = 2;
    public const ushort INFO_SLAVE_KIND = 4;

    public const ushort VETH_INFO_PEER = 1;

    public const ushort VXLAN_ID = 1;
    public const ushort VXLAN_GROUP = 2;
    public const ushort VXLAN_LINK = 3;
    public const ushort VXLAN_LOCAL = 4;
    public const ushort VXLAN_TTL = 5;
    public const ushort VXLAN_TOS = 6;
    public const ushort VXLAN_LEARNING = 7;
    public const ushort VXLAN_AGEING = 8;
    public const ushort VXLAN_LIMIT = 9;
    public const ushort VXLAN_PORT_RANGE = 10;
    public const ushort VXLAN_PROXY = 11;
    public const ushort VXLAN_RSC = 12;
    public const ushort VXLAN_L2MISS = 13;
    public const ushort VXLAN_L3MISS = 14;
    public const ushort VXLAN_PORT = 15;
    public const ushort VXLAN_GROUP6 = 16;
    public const ushort VXLAN_LOCAL6 = 17;

    public const uint RTEXT_FILTER_SKIP_STATS = 1 << 3;
}

internal static class Ifa
{
    public const ushort ADDRESS = 1;
    public const ushort LOCAL = 2;
    public const ushort LABEL = 3;
    public const ushort BROADCAST = 4;
    public const ushort FLAGS = 8;
}

internal static class Rta
{
    public const ushort DST = 1;
    public const ushort OIF = 4;
    public const ushort GATEWAY = 5;
    public const ushort PRIORITY = 6;
    public const ushort PREFSRC = 7;
    public const ushort TABLE = 15;

    public const byte RTPROT_BOOT = 3;
    public const byte RTPROT_STATIC = 4;
    public const byte RTN_UNICAST = 1;
    public const uint RTNH_F_ONLINK = 4;
}

internal static class Nda
{
    public const ushort DST = 1;
    public const ushort LLADDR = 2;
    public const ushort VLAN = 5;
    public const ushort PORT = 6;
    public const ushort VNI = 7;
    public const ushort IFINDEX = 8;
    public const ushort MASTER = 9;
}

internal static class RtnlGroup
{
    public const uint LINK = 1;
    public const uint NEIGH = 3;
    public const uint IPV4_IFADDR = 5;
    public const uint IPV4_ROUTE = 7;
    public const uint IPV6_IFADDR = 9;
    public const uint IPV6_ROUTE = 11;
}
