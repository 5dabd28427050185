using System.Globalization;
using Weft.Core.Errors;

namespace Weft.Core.Model;

/// <summary>
/// The driver options (`weft network create -o KEY=VALUE`) Weft understands. Every option is applied or refused: one
/// that were stored and ignored would show in inspect as if it were in effect (`encrypted=true` on a cleartext network).
/// </summary>
public static class NetworkOptions
{
    /// <summary>Docker's name for a network's MTU; the same as --mtu, and applied to every interface of the network.</summary>
    public const string Mtu = "com.docker.network.driver.mtu";

    /// <summary>Docker swarm's IPsec switch for overlays. Refused until Weft encrypts.</summary>
    public const string Encrypted = "encrypted";

    private static readonly string[] Known = [Mtu];

    /// <summary>
    /// The network's MTU once its options are applied: <paramref name="mtu"/> (--mtu), or the MTU option, which must agree
    /// with it when both are given.
    /// </summary>
    /// <exception cref="WeftValidationException">invalid-network naming an unknown or unsupported key; invalid-mtu for a bad or contradicting MTU.</exception>
    public static int? ApplyMtu(string networkName, IReadOnlyDictionary<string, string> options, int? mtu)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var key in options.Keys)
        {
            if (key == Encrypted)
            {
                throw new WeftValidationException(ErrorCodes.InvalidNetwork,
                    $"network '{networkName}': option '{Encrypted}' is refused: Weft does not encrypt overlay traffic yet (it would need IPsec ESP or WireGuard in the kernel), so the network would carry cleartext while claiming otherwise");
            }
            if (!Known.Contains(key, StringComparer.Ordinal))
            {
                throw new WeftValidationException(ErrorCodes.InvalidNetwork,
                    $"network '{networkName}': unknown option '{key}' (known: {string.Join(", ", Known)})");
            }
        }
        if (!options.TryGetValue(Mtu, out var text))
        {
            return mtu;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var fromOption))
        {
            throw new WeftValidationException(ErrorCodes.InvalidMtu, $"network '{networkName}': option {Mtu}={text} is not a whole number");
        }
        if (mtu is { } given && given != fromOption)
        {
            throw new WeftValidationException(ErrorCodes.InvalidMtu, $"network '{networkName}': --mtu {given} and option {Mtu}={text} disagree; give one");
        }
        return fromOption;
    }
}
