using System.Net;

namespace Weft.Dns.Tests;

public class CodecTests
{
    [Fact]
    public void Header_round_trips_with_its_flags()
    {
        var buffer = new byte[12];
        var flags = DnsHeader.ResponseFlags(0x0110 | (2 << 11), DnsRcode.NxDomain, authoritative: true, truncated: true);
        new DnsHeader(0xBEEF, flags, 1, 2, 3, 4).Write(buffer);

        Assert.True(DnsHeader.TryRead(buffer, out var h));
        Assert.Equal(new DnsHeader(0xBEEF, flags, 1, 2, 3, 4), h);
        Assert.True(h.IsResponse && h.Authoritative && h.Truncated && h.RecursionDesired && h.RecursionAvailable && h.CheckingDisabled);
        Assert.Equal(DnsOpcode.Status, h.Opcode);
        Assert.Equal(DnsRcode.NxDomain, h.Rcode);
        Assert.False(DnsHeader.TryRead(buffer.AsSpan(0, 11), out _));
    }

    [Theory]
    [InlineData("shell")]
    [InlineData("Shell.Test-Net")]
    [InlineData("a.b.c.d.e.f.example.com")]
    public void Names_round_trip_through_wire_form_keeping_their_case(string text)
    {
        var wire = DnsName.FromText(text);
        Assert.Equal(Packets.Name(text), wire);
        Assert.Equal(text, DnsName.ToText(wire));
        Assert.Equal(text.ToLowerInvariant(), DnsName.ToText(wire, lowerCase: true));
        Assert.Equal(wire, DnsName.FromText(text + "."));
    }

    [Fact]
    public void Odd_bytes_in_labels_are_escaped_so_distinct_names_stay_distinct()
    {
        byte[] wire = [3, (byte)'a', (byte)'.', (byte)'b', 2, 0x00, (byte)'\\', 0];
        Assert.Equal("a\\.b.\\000\\\\", DnsName.ToText(wire));
        Assert.Equal("", DnsName.ToText([0]));
    }

    [Fact]
    public void Text_that_is_not_a_name_is_refused()
    {
        Span<byte> buffer = stackalloc byte[255];
        Assert.False(DnsName.TryFromText("a..b", buffer, out _));
        Assert.False(DnsName.TryFromText(new string('a', 64), buffer, out _));
        Assert.True(DnsName.TryFromText(new string('a', 63), buffer, out _));
        Assert.False(DnsName.TryFromText(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)), buffer, out _)); // 257 bytes
        Assert.True(DnsName.TryFromText(string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61), buffer, out var length));
        Assert.Equal(255, length);
        Assert.False(DnsName.TryFromText("héllo", buffer, out _));
    }

    [Fact]
    public void A_backward_compression_pointer_is_followed()
    {
        // "example.test" at 12, then "www" + pointer to 12 at 26.
        var m = new byte[12].Concat(Packets.Name("example.test")).Concat(new byte[] { 3, (byte)'w', (byte)'w', (byte)'w', 0xC0, 12 }).ToArray();
        var name = new byte[255];
        Assert.Equal(DnsNameStatus.Ok, DnsName.TryRead(m, 26, name, out var length, out var end));
        Assert.Equal("www.example.test", DnsName.ToText(name.AsSpan(0, length)));
        Assert.Equal(m.Length, end);
        Assert.Equal(DnsNameStatus.PointerNotAllowed, DnsName.TryRead(m, 26, name, out _, out _, allowPointers: false));
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 12 }, DnsNameStatus.BadPointer)]                  // points at itself
    [InlineData(new byte[] { 1, (byte)'a', 0xC0, 12 }, DnsNameStatus.BadPointer)]    // back to its own start: a loop
    [InlineData(new byte[] { 0xC0, 200 }, DnsNameStatus.BadPointer)]                 // forward, past the end
    [InlineData(new byte[] { 0xC0 }, DnsNameStatus.Truncated)]                       // half a pointer
    [InlineData(new byte[] { 5, (byte)'a', (byte)'b' }, DnsNameStatus.Truncated)]    // label runs past the end
    [InlineData(new byte[] { 1, (byte)'a' }, DnsNameStatus.Truncated)]               // no root label
    [InlineData(new byte[] { 64, (byte)'a', 0 }, DnsNameStatus.BadLabel)]            // label length 64
    [InlineData(new byte[] { 0x80, 0 }, DnsNameStatus.BadLabel)]                     // reserved label type
    public void Crafted_names_are_rejected_with_a_reason(byte[] name, DnsNameStatus expected)
    {
        var m = new byte[12].Concat(name).ToArray();
        Assert.Equal(expected, DnsName.TryRead(m, 12, new byte[255], out _, out _));
    }

    [Fact]
    public void Two_pointers_pointing_at_each_other_are_a_loop_not_a_hang()
    {
        // At 12: pointer to 14; at 14: pointer to 12. Reading from 14 jumps back to 12, whose pointer goes forward again.
        byte[] m = [.. new byte[12], 0xC0, 14, 0xC0, 12];
        Assert.Equal(DnsNameStatus.BadPointer, DnsName.TryRead(m, 14, new byte[255], out _, out _));
        Assert.Equal(DnsNameStatus.BadPointer, DnsName.TryRead(m, 12, new byte[255], out _, out _));
    }

    [Fact]
    public void A_name_longer_than_255_bytes_is_rejected_even_when_built_from_pointers()
    {
        // 4 labels of 63 = 256 bytes of labels + root: too long, spelled out directly...
        var direct = new byte[12].Concat(Packets.Name(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)))).ToArray();
        Assert.Equal(DnsNameStatus.TooLong, DnsName.TryRead(direct, 12, new byte[255], out _, out _));
        // ...and assembled by chaining pointers to shorter names.
        var m = new List<byte>(new byte[12]);
        m.AddRange(Packets.Name(new string('a', 63)));                                       // at 12: 65 bytes
        var second = m.Count;
        m.Add(63); m.AddRange(Enumerable.Repeat((byte)'b', 63)); m.Add(0xC0); m.Add(12);       // b63 + ptr
        var third = m.Count;
        m.Add(63); m.AddRange(Enumerable.Repeat((byte)'c', 63)); m.Add(0xC0); m.Add((byte)second);
        var fourth = m.Count;
        m.Add(63); m.AddRange(Enumerable.Repeat((byte)'d', 63)); m.Add(0xC0); m.Add((byte)third);
        Assert.Equal(DnsNameStatus.Ok, DnsName.TryRead(m.ToArray(), third, new byte[255], out var length, out _));
        Assert.Equal(193, length);
        Assert.Equal(DnsNameStatus.TooLong, DnsName.TryRead(m.ToArray(), fourth, new byte[255], out _, out _));
    }

    [Fact]
    public void The_writer_compresses_repeated_suffixes_and_the_result_reads_back()
    {
        var buffer = new byte[512];
        var writer = new DnsWriter(buffer, 512, stackalloc ushort[16]);
        writer.WriteHeader(default);
        writer.WriteName(DnsName.FromText("a.Example.test"));
        var second = writer.Position;
        writer.WriteName(DnsName.FromText("b.example.TEST"));
        var third = writer.Position;
        writer.WriteName(DnsName.FromText("EXAMPLE.test"));
        var end = writer.Position;

        Assert.Equal(2 + 2, third - second); // "b" + pointer
        Assert.Equal(2, end - third);         // just a pointer
        var name = new byte[255];
        Assert.Equal(DnsNameStatus.Ok, DnsName.TryRead(buffer.AsSpan(0, end), second, name, out var length, out _));
        Assert.Equal("b.Example.test", DnsName.ToText(name.AsSpan(0, length))); // the suffix is the first writer's spelling
        Assert.Equal(DnsNameStatus.Ok, DnsName.TryRead(buffer.AsSpan(0, end), third, name, out length, out _));
        Assert.Equal("example.test", DnsName.ToText(name.AsSpan(0, length), lowerCase: true));
    }

    [Fact]
    public void A_write_that_does_not_fit_overflows_and_rewinding_forgets_what_was_written_after_the_mark()
    {
        var buffer = new byte[40];
        var writer = new DnsWriter(buffer, 30, stackalloc ushort[16]);
        writer.WriteHeader(default);
        var mark = writer.Position;
        writer.WriteName(DnsName.FromText("abcdefghij.example"));
        Assert.True(writer.Overflowed);
        Assert.Equal(mark, writer.Position);
        writer.Rewind(mark);
        writer.WriteName(DnsName.FromText("abc"));
        Assert.False(writer.Overflowed);
        writer.Rewind(mark);
        writer.WriteName(DnsName.FromText("abc"));
        Assert.Equal(mark + 5, writer.Position); // not a pointer to the forgotten copy
    }

    [Fact]
    public void Patching_a_field_that_did_not_fit_is_harmless()
    {
        var buffer = new byte[13];
        var writer = new DnsWriter(buffer, 13, []);
        writer.WriteHeader(default);
        var at = writer.Reserve16();
        Assert.True(writer.Overflowed);
        writer.Patch(at, 0xFFFF);
        Assert.Equal(0, buffer[12]);
    }

    [Theory]
    [InlineData("10.0.0.2", "2.0.0.10.in-addr.arpa")]
    [InlineData("192.168.255.1", "1.255.168.192.in-addr.arpa")]
    [InlineData("fd00::3", "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa")]
    public void Reverse_names_map_to_addresses_and_back(string address, string name)
    {
        Assert.Equal(name, ReverseName.For(IPAddress.Parse(address)));
        Assert.True(ReverseName.TryParse(DnsName.FromText(name.ToUpperInvariant()), out var parsed));
        Assert.Equal(IPAddress.Parse(address), parsed);
    }

    [Theory]
    [InlineData("10.in-addr.arpa")]
    [InlineData("0.0.10.in-addr.arpa")]
    [InlineData("1.2.0.0.10.in-addr.arpa")]
    [InlineData("256.0.0.10.in-addr.arpa")]
    [InlineData("02.0.0.10.in-addr.arpa")]
    [InlineData("x.0.0.10.in-addr.arpa")]
    [InlineData("d.f.ip6.arpa")]
    [InlineData("2.0.0.10.in-addr.arpa.example")]
    [InlineData("in-addr.arpa")]
    public void Partial_or_odd_reverse_names_are_not_addresses(string name)
    {
        Assert.False(ReverseName.TryParse(DnsName.FromText(name), out _));
    }

    [Fact]
    public void Resolv_conf_nameservers_are_read_with_port_53()
    {
        var servers = DnsUpstream.ParseResolvConf("""
            # comment
            search example.com
            nameserver 192.0.2.1
            nameserver   2001:db8::53 # trailing
            nameserver not-an-address
            ; nameserver 192.0.2.9
            options ndots:2
            nameserver	192.0.2.2
            """);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.1"), 53), new IPEndPoint(IPAddress.Parse("2001:db8::53"), 53), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 53)], servers);
        Assert.Empty(DnsUpstream.FromResolvConf("/nonexistent/resolv.conf").Servers);
    }

    [Fact]
    public void Resolv_conf_is_read_from_a_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "nameserver 127.0.0.53\n");
            Assert.Equal([new IPEndPoint(IPAddress.Parse("127.0.0.53"), 53)], DnsUpstream.FromResolvConf(path).Servers);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
