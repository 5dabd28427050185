using Weft.Core.Errors;
using Weft.Core.Model;

namespace Weft.Core.Tests;

public class NetworkOptionsTests
{
    private static Dictionary<string, string> Options(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void The_MTU_option_becomes_the_networks_MTU_and_agrees_with_an_equal_mtu_flag()
    {
        Assert.Equal(1400, NetworkOptions.ApplyMtu("n", Options((NetworkOptions.Mtu, "1400")), null));
        Assert.Equal(1400, NetworkOptions.ApplyMtu("n", Options((NetworkOptions.Mtu, "1400")), 1400));
        Assert.Equal(9000, NetworkOptions.ApplyMtu("n", Options(), 9000));
        Assert.Null(NetworkOptions.ApplyMtu("n", Options(), null));
    }

    [Fact]
    public void An_MTU_option_that_is_no_number_or_contradicts_the_mtu_flag_is_refused_by_name()
    {
        T.Rule(ErrorCodes.InvalidMtu, () => NetworkOptions.ApplyMtu("n", Options((NetworkOptions.Mtu, "big")), null), NetworkOptions.Mtu, "big");
        T.Rule(ErrorCodes.InvalidMtu, () => NetworkOptions.ApplyMtu("n", Options((NetworkOptions.Mtu, "1400")), 1500), "--mtu 1500", "1400");
    }

    [Fact]
    public void Encrypted_is_refused_saying_that_weft_does_not_encrypt_yet() =>
        T.Rule(ErrorCodes.InvalidNetwork, () => NetworkOptions.ApplyMtu("secure", Options(("encrypted", "true")), null), "'encrypted'", "does not encrypt");

    [Fact]
    public void Unknown_options_are_refused_by_name_and_the_known_ones_listed() =>
        T.Rule(ErrorCodes.InvalidNetwork, () => NetworkOptions.ApplyMtu("n", Options(("colour", "blue")), null), "'colour'", NetworkOptions.Mtu);
}
