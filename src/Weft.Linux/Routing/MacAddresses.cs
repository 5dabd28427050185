using System.Net.NetworkInformation;

namespace Weft.Linux.Routing;

/// <summary>Ethernet MAC helpers: strict parsing and the colon notation iproute2 prints.</summary>
public static class MacAddresses
{
    /// <summary>Parses "02:42:0a:00:0a:02" (or '-' separated); anything but exactly six bytes is refused.</summary>
    public static PhysicalAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':', '-');
        if (parts.Length != 6)
        {
            throw new FormatException($"'{text}' is not an Ethernet MAC address (six hex bytes such as 02:42:0a:00:0a:02)");
        }

        var bytes = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            if (parts[i].Length is < 1 or > 2 || !byte.TryParse(parts[i], System.Globalization.NumberStyles.AllowHexSpecifier, null, out bytes[i]))
            {
                throw new FormatException($"'{text}' is not an Ethernet MAC address (six hex bytes such as 02:42:0a:00:0a:02)");
            }
        }

        return new PhysicalAddress(bytes);
    }

    /// <summary>Lower-case, colon separated, as <c>ip link</c> prints it.</summary>
    public static string ToText(this PhysicalAddress? mac)
    {
        if (mac is null)
        {
            return "(none)";
        }

        var bytes = mac.GetAddressBytes();
        return string.Join(':', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
