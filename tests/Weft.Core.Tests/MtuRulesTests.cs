using System.Net.Sockets;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Overlay;

namespace Weft.Core.Tests;

public class MtuRulesTests
{
    [Theory]
    [InlineData(1500, AddressFamily.InterNetwork, 1450)]
    [InlineData(9001, AddressFamily.InterNetwork, 8951)] // AWS jumbo frames
    [InlineData(1460, AddressFamily.InterNetwork, 1410)] // GCP
    [InlineData(1500, AddressFamily.InterNetworkV6, 1430)]
    public void Overlay_mtu_is_the_underlay_less_the_vxlan_headers(int underlay, AddressFamily family, int expected) =>
        Assert.Equal(expected, MtuRules.OverlayMtu(underlay, family));

    [Theory]
    [InlineData(68, false)]
    [InlineData(1450, true)]
    [InlineData(1280, true)]
    [InlineData(65535, false)]
    public void Accepts_mtus_in_range(int mtu, bool ipv6) => MtuRules.Validate(mtu, ipv6);

    [Theory]
    [InlineData(67, false)]
    [InlineData(0, false)]
    [InlineData(65536, false)]
    [InlineData(1279, true)]
    public void Rejects_mtus_out_of_range(int mtu, bool ipv6) =>
        T.Rule(ErrorCodes.InvalidMtu, () => MtuRules.Validate(mtu, ipv6), $"MTU {mtu}");

    [Fact]
    public void Effective_mtu_prefers_the_configured_value_then_derives_it_per_driver()
    {
        var overlay = TestRecords.Overlay("a", "10.0.0.0/24");
        Assert.Equal(8951, MtuRules.Effective(overlay, 9001));
        Assert.Equal(1400, MtuRules.Effective(overlay with { Mtu = 1400 }, 9001));
        var bridge = overlay with { Driver = NetworkDriver.Bridge, Scope = NetworkScope.Local, Vni = null };
        Assert.Equal(1500, MtuRules.Effective(bridge, 1500));
    }

    [Fact]
    public void Effective_mtu_below_the_ipv6_minimum_names_the_network_and_the_underlay()
    {
        var dualStack = TestRecords.Overlay("v6net", "fd00::/64");
        T.Rule(ErrorCodes.InvalidMtu, () => MtuRules.Effective(dualStack, 1300), "'v6net'", "1300", "1250");
    }
}
