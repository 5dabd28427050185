using System.Net.Sockets;
using Weft.Core.Addressing;
using Weft.Core.Errors;

namespace Weft.Core.Tests;

public class IpAddressTextTests
{
    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("fd00::1", "fd00::1")]
    [InlineData("FD00:0:0:0:0:0:0:1", "fd00::1")]
    [InlineData("::", "::")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1")]
    public void Parses_canonical_text(string text, string expected) =>
        Assert.Equal(expected, IpAddressText.Parse(text).ToString());

    [Theory]
    [InlineData("10.1")] // inet_aton reads this as 10.0.0.1
    [InlineData("10")]
    [InlineData("010.0.0.1")] // octal to inet_aton
    [InlineData("0x0a.0.0.1")]
    [InlineData("10.0.0.256")]
    [InlineData("10.0.0.")]
    [InlineData("10.0.0.1.2")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.1/24")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[fd00::1]")]
    [InlineData("[fd00::1]:80")] // the framework reads this as fd00::1
    [InlineData("fd00::1 ")]
    [InlineData("fd00:::1")]
    [InlineData("")]
    [InlineData("host.example")]
    public void Rejects_ambiguous_or_malformed_text(string text)
    {
        Assert.False(IpAddressText.TryParse(text, out _));
        T.Rule(ErrorCodes.InvalidAddress, () => IpAddressText.Parse(text), $"'{text}'");
    }

    [Fact]
    public void Round_trips_through_integers_for_both_families()
    {
        var v4 = T.Ip("192.168.1.2");
        Assert.Equal((UInt128)0xC0A80102, IpAddressMath.ToUInt128(v4));
        Assert.Equal(v4, IpAddressMath.FromUInt128(0xC0A80102, AddressFamily.InterNetwork));
        var v6 = T.Ip("2001:db8::ff");
        Assert.Equal(v6, IpAddressMath.FromUInt128(IpAddressMath.ToUInt128(v6), AddressFamily.InterNetworkV6));
        Assert.Throws<ArgumentOutOfRangeException>(() => IpAddressMath.FromUInt128((UInt128)uint.MaxValue + 1, AddressFamily.InterNetwork));
    }
}
