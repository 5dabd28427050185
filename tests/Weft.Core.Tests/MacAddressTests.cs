using Weft.Core.Addressing;
using Weft.Core.Errors;
using Weft.Core.Naming;

namespace Weft.Core.Tests;

public class MacAddressTests
{
    [Theory]
    [InlineData("02:42:ac:11:00:02", "02:42:ac:11:00:02")]
    [InlineData("02:42:AC:11:00:02", "02:42:ac:11:00:02")]
    [InlineData("02-42-ac-11-00-02", "02:42:ac:11:00:02")]
    [InlineData("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff")]
    public void Parses_and_formats_lowercase_with_colons(string text, string expected) =>
        Assert.Equal(expected, MacAddress.Parse(text).ToString());

    [Theory]
    [InlineData("02:42:ac:11:00")]
    [InlineData("02:42:ac:11:00:02:03")]
    [InlineData("02:42-ac:11:00:02")]
    [InlineData("0242.ac11.0002")]
    [InlineData("02:42:ac:11:00:0g")]
    [InlineData("2:42:ac:11:00:002")]
    [InlineData("")]
    public void Rejects_malformed_text(string text) =>
        T.Rule(ErrorCodes.InvalidMac, () => MacAddress.Parse(text), $"'{text}'");

    [Theory]
    [InlineData("01:00:5e:00:00:01", "multicast")]
    [InlineData("ff:ff:ff:ff:ff:ff", "multicast")]
    [InlineData("00:00:00:00:00:00", "all zeros")]
    public void Refuses_addresses_an_interface_cannot_have(string text, string why) =>
        T.Rule(ErrorCodes.InvalidMac, () => MacAddress.ParseAssignable(text), text, why);

    [Fact]
    public void Endpoint_macs_are_stable_unicast_locally_administered_and_weft_prefixed()
    {
        var mac = MacAddress.ForEndpoint("4f1c0d2e");
        Assert.Equal(mac, MacAddress.ForEndpoint("4f1c0d2e"));
        Assert.True(mac.IsUnicast);
        Assert.True(mac.IsLocallyAdministered);
        Assert.True(mac.IsAssignable);
        Assert.True(mac.HasWeftPrefix);
        Assert.StartsWith("02:57:", mac.ToString(), StringComparison.Ordinal);
        Assert.NotEqual(mac, MacAddress.ForEndpoint("4f1c0d2f"));
        Assert.NotEqual(mac, MacAddress.ForEndpoint("4f1c0d2e", attempt: 1));
    }

    [Fact]
    public void Endpoint_mac_ends_with_the_same_hex_as_the_host_veth_name()
    {
        const string id = "9a8b7c6d5e4f";
        var tail = MacAddress.ForEndpoint(id).ToString()[6..].Replace(":", string.Empty, StringComparison.Ordinal);
        Assert.Equal(KernelNames.VethHostName(id)[2..], tail);
    }

    [Fact]
    public void Endpoint_macs_rarely_collide()
    {
        var macs = Enumerable.Range(0, 20000).Select(i => MacAddress.ForEndpoint(WeftIds.New())).ToHashSet();
        // 20000 draws from 2^32 collide with probability about 5%; two collisions would point at a bad hash.
        Assert.True(macs.Count >= 19998);
        Assert.All(macs, m => Assert.True(m.IsAssignable && m.HasWeftPrefix));
    }

    [Fact]
    public void Round_trips_bytes()
    {
        var mac = MacAddress.Parse("02:57:01:02:03:04");
        Assert.Equal(new byte[] { 0x02, 0x57, 0x01, 0x02, 0x03, 0x04 }, mac.ToBytes());
        Assert.Equal(mac, new MacAddress(mac.ToBytes()));
        Assert.Throws<ArgumentException>(() => new MacAddress(new byte[5]));
        Assert.Equal(MacAddress.Broadcast, MacAddress.Parse("ff:ff:ff:ff:ff:ff"));
    }
}
