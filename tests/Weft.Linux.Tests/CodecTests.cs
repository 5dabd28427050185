using System.Buffers.Binary;
using System.Net;
using Weft.Linux.Netlink;
using Weft.Linux.Routing;

namespace Weft.Linux.Tests;

/// <summary>Wire-level checks that need no kernel: alignment, nesting and extended-ack decoding.</summary>
public sealed class CodecTests
{
    [Fact]
    public void Attributes_are_padded_to_four_bytes_and_nested_lengths_cover_their_children()
    {
        var w = new MessageWriter(16);
        var start = w.BeginMessage(Rtm.NEWLINK, Nl.NLM_F_REQUEST, 7);
        w.Put(new IfInfoMsg());
        var nest = w.BeginNested(Ifla.LINKINFO);
        w.PutString(Ifla.INFO_KIND, "vxlan");
        w.EndNested(nest);
        w.PutU8(Ifla.OPERSTATE, 6);
        w.EndMessage(start);

        var bytes = w.Written.ToArray();
        Assert.Equal(16 + 16 + 4 + 12 + 8, bytes.Length);
        Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));

        var reader = new MessageReader(bytes);
        Assert.True(reader.MoveNext());
        var message = reader.Current;
        Assert.Equal(Rtm.NEWLINK, message.Type);
        var kinds = new List<string>();
        byte operstate = 0;
        foreach (var attribute in message.Attributes<IfInfoMsg>())
        {
            if (attribute.Type == Ifla.LINKINFO)
            {
                foreach (var inner in attribute.Nested)
                {
                    kinds.Add(inner.String);
                }
            }
            else if (attribute.Type == Ifla.OPERSTATE)
            {
                operstate = attribute.U8;
            }
        }

        Assert.Equal(["vxlan"], kinds);
        Assert.Equal(6, operstate);
        Assert.False(reader.MoveNext());
    }

    [Fact]
    public void Extended_ack_text_is_decoded_from_capped_and_uncapped_errors()
    {
        foreach (var capped in new[] { true, false })
        {
            var w = new MessageWriter();
            var start = w.BeginMessage(Nl.NLMSG_ERROR, (ushort)(Nl.NLM_F_ACK_TLVS | (capped ? Nl.NLM_F_CAPPED : 0)), 9);
            w.Put(-22);
            // The echoed request: a bare header when capped, header and body when not.
            w.Put(new NlMsgHdr { Length = capped ? 16u : 24u, Type = Rtm.NEWLINK, Seq = 9 });
            if (!capped)
            {
                w.Put(0L);
            }

            w.PutString(Nl.NLMSGERR_ATTR_MSG, "mtu greater than device maximum");
            w.EndMessage(start);

            var reader = new MessageReader(w.Written);
            Assert.True(reader.MoveNext());
            var (errno, text) = NetlinkConnection.ParseError(reader.Current);
            Assert.Equal(22, errno);
            Assert.Equal("mtu greater than device maximum", text);
        }
    }

    [Fact]
    public void Fdb_entries_encode_the_attributes_iproute2_sends()
    {
        var w = new MessageWriter();
        var entry = new FdbEntry(5, MacAddresses.Parse("02:42:0a:00:0a:03")) { Destination = IPAddress.Parse("198.18.0.2"), Port = 4789 };
        RoutingCodec.EncodeFdb(w, 1, Rtm.NEWNEIGH, Nl.NLM_F_REQUEST, entry);
        var reader = new MessageReader(w.Written);
        Assert.True(reader.MoveNext());
        var header = reader.Current.Header<NdMsg>();
        Assert.Equal(7, header.Family);
        Assert.Equal(5, header.Index);
        Assert.Equal(0x80, header.State);
        Assert.Equal(0x02, header.Flags);
        Assert.Equal(entry, RoutingCodec.DecodeFdb(reader.Current));
    }

    [Fact]
    public void Mac_addresses_parse_strictly_and_print_like_iproute2()
    {
        Assert.Equal("02:42:0a:00:0a:02", MacAddresses.Parse("02-42-0A-00-0A-02").ToText());
        Assert.Throws<FormatException>(() => MacAddresses.Parse("02:42:0a:00:0a:02:ff"));
        Assert.Throws<FormatException>(() => MacAddresses.Parse("0242:0a:00:0a:02"));
    }
}
